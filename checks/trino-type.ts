/** A Hive/Athena column type (athena/headline_sentiment.yml) in Trino's spelling: struct<a:string> is row(a varchar). */
export function trinoType(hiveType: string): string {
  return hiveType
    .replace(/\s+/g, "")
    .toLowerCase()
    .replace(/struct</g, "row<")
    .replace(/(\w+):/g, "$1 ")
    .replaceAll("<", "(")
    .replaceAll(">", ")")
    .replace(/\bstring\b/g, "varchar")
    .replace(/\bint\b/g, "integer")
    .replace(/\btimestamp\b/g, "timestamp(3)")
    .replaceAll(",", ", ");
}
