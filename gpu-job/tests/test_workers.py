"""Workers and the chunk queue they share: placement on devices, and chunks spread over workers."""

from __future__ import annotations

import threading

import pytest
import torch

from conftest import headline_texts
from goldpipe_scorer.model import load_model
from goldpipe_scorer.workers import ChunkQueue, replicate, worker_devices


def test_a_worker_holds_at_most_two_unscored_chunks_so_the_next_worker_gets_the_rest():
    queue = ChunkQueue(iter([(i, [f"headline {i}"]) for i in range(5)]))
    first, second = iter(queue.feed()), iter(queue.feed())

    assert [next(first)[0], next(first)[0]] == [0, 1]
    taken: list[int] = []
    blocked = threading.Thread(target=lambda: taken.extend(key for key, _ in first))
    blocked.start()
    blocked.join(timeout=0.3)
    assert blocked.is_alive() and taken == []  # waits until it has scored one of its two

    assert [next(second)[0], next(second)[0]] == [2, 3]
    queue.closed.set()  # a failure elsewhere: no worker takes another chunk
    blocked.join(timeout=2)
    assert not blocked.is_alive() and taken == []
    assert list(second) == []


def test_each_chunk_goes_to_exactly_one_worker():
    queue = ChunkQueue(iter([(i, []) for i in range(200)]))
    taken: list[list[int]] = [[], [], []]

    def work(mine: list[int]) -> None:
        feed = queue.feed()
        for key, _ in feed:
            mine.append(key)
            feed.scored()

    threads = [threading.Thread(target=work, args=(mine,)) for mine in taken]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(key for mine in taken for key in mine) == list(range(200))


def test_on_a_cpu_the_workers_asked_for_share_one_copy_of_the_model(tiny_model):
    loaded = load_model(tiny_model, device="cpu", dtype="float32", max_length=32, name=None)

    assert worker_devices(loaded.device, None) == [torch.device("cpu")]
    workers = replicate(loaded, worker_devices(loaded.device, 2))

    assert [w.device for w in workers] == [torch.device("cpu")] * 2
    assert workers[0].model is workers[1].model is loaded.model
    assert workers[0].tokenizer is not workers[1].tokenizer
    texts = headline_texts(3)
    assert [e.ids for e in workers[1].tokenizer.encode_batch(texts)] == [e.ids for e in loaded.tokenizer.encode_batch(texts)]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_on_a_gpu_machine_every_visible_gpu_gets_a_worker_and_a_copy_of_the_model(tiny_model):
    loaded = load_model(tiny_model, device="cuda", dtype="float32", max_length=32, name=None)
    count = torch.cuda.device_count()

    assert worker_devices(loaded.device, None) == [torch.device("cuda", i) for i in range(count)]
    workers = replicate(loaded, worker_devices(loaded.device, count + 1))

    assert [w.device for w in workers] == [torch.device("cuda", i % count) for i in range(count + 1)]
    assert workers[count].model is workers[0].model
    assert {next(w.model.parameters()).device for w in workers} == {torch.device("cuda", i) for i in range(count)}
