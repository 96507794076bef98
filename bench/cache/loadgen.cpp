// A closed-loop HTTP load generator that keeps every request's start time and latency, so a
// benchmark can look at latency second by second around an incident (wrk reports only totals).
//
//   loadgen PORT CONNECTIONS SECONDS USERS OUT.csv
// Each connection is a keep-alive session on its own thread asking GET /dashboard/<id>, ids
// spread over USERS. OUT.csv: start_ms,latency_us,ok (ok: status 200 and a JSON body), start_ms
// from the run's start; OUT.csv.t0 holds that start as unix time in ms, so a script can place an
// incident it caused (`date +%s%3N`) on the same axis.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: loadgen PORT CONNECTIONS SECONDS USERS OUT.csv\n");
    return 2;
  }
  const auto port = static_cast<Poco::UInt16>(std::atoi(argv[1]));
  const int connections = std::atoi(argv[2]);
  const auto duration = std::chrono::seconds(std::atoi(argv[3]));
  const int users = std::atoi(argv[4]);
  using Clock = std::chrono::steady_clock;
  struct Sample {
    double start_ms;
    long latency_us;
    bool ok;
  };
  const auto t0 = Clock::now();
  const auto t0_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  std::mutex mutex;
  std::vector<Sample> all;
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&, c] {
      std::vector<Sample> mine;
      mine.reserve(200000);
      Poco::Net::HTTPClientSession session("127.0.0.1", port);
      session.setKeepAlive(true);
      session.setTimeout(Poco::Timespan(5, 0));
      long i = c;
      while (Clock::now() - t0 < duration) {
        const std::string target = "/dashboard/" + std::to_string((i++ * 7919) % users + 1);
        const auto started = Clock::now();
        bool ok = false;
        try {
          Poco::Net::HTTPRequest request("GET", target, Poco::Net::HTTPMessage::HTTP_1_1);
          request.setKeepAlive(true);
          session.sendRequest(request);
          Poco::Net::HTTPResponse response;
          std::string body;
          Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
          ok = response.getStatus() == 200 && !body.empty() && body.front() == '{';
        } catch (...) {
          session.reset();
        }
        const auto ended = Clock::now();
        mine.push_back(
            {std::chrono::duration<double, std::milli>(started - t0).count(),
             static_cast<long>(
                 std::chrono::duration_cast<std::chrono::microseconds>(ended - started).count()),
             ok});
      }
      std::lock_guard lock(mutex);
      all.insert(all.end(), mine.begin(), mine.end());
    });
  }
  for (auto& t : threads) t.join();
  if (std::FILE* t0_file = std::fopen((std::string(argv[5]) + ".t0").c_str(), "w")) {
    std::fprintf(t0_file, "%lld\n", static_cast<long long>(t0_unix_ms));
    std::fclose(t0_file);
  }
  std::FILE* out = std::fopen(argv[5], "w");
  if (!out) return 1;
  std::fprintf(out, "start_ms,latency_us,ok\n");
  for (const auto& s : all)
    std::fprintf(out, "%.3f,%ld,%d\n", s.start_ms, s.latency_us, s.ok ? 1 : 0);
  std::fclose(out);
  return 0;
}
