"""A fixed amount of load, for profiles (wrk runs for a time, not a count): REQUESTS GETs of
PREFIX<id> over CONNECTIONS keep-alive connections, ids 1..USERS in a fixed order.

    python3 fixed_load.py PORT PREFIX REQUESTS CONNECTIONS [USERS]
Prints the status counts and the elapsed time; exits 1 unless every answer was a 200.
"""
import http.client
import sys
import threading
import time
from collections import Counter


def main():
    port, prefix, total, conns = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    users = int(sys.argv[5]) if len(sys.argv) > 5 else 1000
    statuses, lock = Counter(), threading.Lock()

    def worker(k):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        seen = Counter()
        for i in range(k, total, conns):
            conn.request("GET", f"{prefix}{(i * 7919) % users + 1}")
            response = conn.getresponse()
            response.read()
            seen[response.status] += 1
        conn.close()
        with lock:
            statuses.update(seen)

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"{sum(statuses.values())} requests in {time.monotonic() - started:.1f} s: "
          + ", ".join(f"{code}: {n}" for code, n in sorted(statuses.items())))
    return 0 if set(statuses) == {200} else 1


if __name__ == "__main__":
    sys.exit(main())
