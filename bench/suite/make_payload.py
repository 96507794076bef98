"""Writes a JSON document of at most SIZE bytes, and within one record of it (a list of
order-like records), to PATH. The same bytes on every run.

    python3 make_payload.py SIZE PATH
"""
import json
import sys


def record(n):
    return json.dumps({"id": f"o-{100000 + n}", "status": ["shipped", "delivered", "processing"][n % 3],
                       "total": {"amount": round(10 + (n * 7.31) % 400, 2), "currency": "GBP"},
                       "lines": [{"sku": f"sku-{(n * 37) % 9973:04d}", "qty": 1 + n % 3, "price": 9.5 + n % 50}],
                       "note": "x" * (n % 40)}, separators=(",", ":"))


def document(size):
    head, tail = '{"items":[', "]}"
    parts, used, n = [], len(head) + len(tail), 0
    while True:
        item = record(n)
        extra = len(item) + (1 if parts else 0)
        if parts and used + extra > size:
            return head + ",".join(parts) + tail
        parts.append(item)
        used += extra
        n += 1


if __name__ == "__main__":
    size, path = int(sys.argv[1]), sys.argv[2]
    text = document(size)
    json.loads(text)
    with open(path, "w") as out:
        out.write(text)
