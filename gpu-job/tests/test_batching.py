from __future__ import annotations

import numpy as np
from transformers import AutoTokenizer

from conftest import headline_texts
from goldpipe_scorer.batching import encode, pad_batch, plan_batches


def test_batches_cover_every_row_once_within_both_limits():
    lengths = np.random.default_rng(3).integers(3, 130, size=5000)

    plan = plan_batches(lengths, max_rows=512, max_tokens=8192)

    assert sorted(np.concatenate(plan).tolist()) == list(range(5000))
    for rows in plan:
        width = -(-int(lengths[rows].max()) // 8) * 8
        assert len(rows) <= 512
        assert len(rows) * width <= 8192
    longest_first = [int(lengths[rows].max()) for rows in plan]
    assert longest_first == sorted(longest_first)


def test_a_row_longer_than_the_token_budget_gets_a_batch_of_its_own():
    plan = plan_batches(np.array([5, 300, 6]), max_rows=64, max_tokens=128)

    assert [rows.tolist() for rows in plan] == [[0, 2], [1]]


def test_padded_batches_match_the_tokenizers_own_padding(tiny_model):
    texts = headline_texts(50)
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    encoded = encode(tokenizer.backend_tokenizer, texts)
    rows = np.array([4, 17, 0, 33])

    input_ids, attention_mask = pad_batch(encoded, rows, tokenizer.pad_token_id)

    expected = tokenizer([texts[i] for i in rows], padding="longest", pad_to_multiple_of=8, return_tensors="np")
    np.testing.assert_array_equal(input_ids, expected["input_ids"])
    np.testing.assert_array_equal(attention_mask, expected["attention_mask"])
