#!/bin/sh
# The peers on every table of tables.txt (run from the repository root, ../shared beside it).
while IFS='|' read -r name file label positive id; do
  python3 benchmarks/peers/classify_peers.py --label "$label" --positive "$positive" ${id:+--id "$id"} "$file"
done < benchmarks/peers/tables.txt
