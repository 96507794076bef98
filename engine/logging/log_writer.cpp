#include "logging/log_writer.hpp"

#include <charconv>
#include <cmath>
#include <ctime>

#include "metrics/registry.hpp"
#include "response/json_size.hpp"
#include "support/thread_name.hpp"

namespace mosaic::logging {

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

namespace {

// "2024-05-01T12:00:00.123Z"; the seconds part is formatted once per second of log time.
class TimeFormatter {
 public:
  void append(std::chrono::system_clock::time_point t, std::string& out) {
    using namespace std::chrono;
    const auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
    const std::time_t secs = static_cast<std::time_t>(ms / 1000);
    if (secs != cached_second_) {
      std::tm tm{};
      gmtime_r(&secs, &tm);
      char buf[32];
      std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
      cached_ = buf;
      cached_second_ = secs;
    }
    char frac[8];
    std::snprintf(frac, sizeof frac, ".%03dZ", static_cast<int>(ms % 1000));
    out += cached_;
    out += frac;
  }

 private:
  std::time_t cached_second_ = -1;
  std::string cached_;
};

// JSON text written straight into the batch buffer. Numbers use the shortest round-trip form
// ("5.34", not Boost.JSON's "5.34E0"), which is what log tooling expects.
void append_string(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (u < 0x20) {
          out += "\\u00";
          out += kHex[u >> 4];
          out += kHex[u & 15];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

template <typename T>
void append_number(T value, std::string& out) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, ec == std::errc() ? end : buffer);
}

void append_value(const Json& value, std::string& out) {
  switch (value.kind()) {
    case json::kind::null:
      out += "null";
      return;
    case json::kind::bool_:
      out += value.get_bool() ? "true" : "false";
      return;
    case json::kind::int64:
      append_number(value.get_int64(), out);
      return;
    case json::kind::uint64:
      append_number(value.get_uint64(), out);
      return;
    case json::kind::double_:
      if (std::isfinite(value.get_double())) {
        append_number(value.get_double(), out);
      } else {
        out += "null";
      }
      return;
    case json::kind::string:
      append_string(value.get_string(), out);
      return;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& item : value.get_array()) {
        if (!first) out += ',';
        first = false;
        append_value(item, out);
      }
      out += ']';
      return;
    }
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& kv : value.get_object()) {
        if (!first) out += ',';
        first = false;
        append_string(kv.key(), out);
        out += ':';
        append_value(kv.value(), out);
      }
      out += '}';
      return;
    }
  }
}

void append_member(std::string_view key, std::string_view text, std::string& out) {
  out += ',';
  append_string(key, out);
  out += ':';
  append_string(text, out);
}

void format_line(const LogRecord& record, TimeFormatter& time, std::string& out) {
  const LogScope* scope = record.scope.get();
  const std::string_view request_id =
      scope ? std::string_view(scope->request_id) : std::string_view();
  const std::string_view pipeline = scope ? std::string_view(scope->pipeline) : std::string_view();
  const std::string_view trace_id = scope ? std::string_view(scope->trace_id) : std::string_view();
  out += "{\"time\":\"";
  time.append(record.time, out);
  out += "\",\"level\":\"";
  out += level_name(record.level);
  out += '"';
  append_member("message", record.message, out);
  if (!request_id.empty()) append_member("request_id", request_id, out);
  if (!pipeline.empty()) append_member("pipeline", pipeline, out);
  if (!trace_id.empty()) append_member("trace_id", trace_id, out);
  if (!record.step.empty()) append_member("step", record.step, out);
  for (const auto& kv : record.fields) {
    const std::string_view key = kv.key();
    // A field may fill a standard key the line left empty ("step" of a request-level line), but
    // never overwrite one: a clash is written as field_<key>.
    const bool taken =
        key == "time" || key == "level" || key == "message" ||
        (key == "request_id" && !request_id.empty()) || (key == "pipeline" && !pipeline.empty()) ||
        (key == "trace_id" && !trace_id.empty()) || (key == "step" && !record.step.empty());
    out += ',';
    append_string(taken ? "field_" + std::string(key) : std::string(key), out);
    out += ':';
    append_value(kv.value(), out);
  }
  out += "}\n";
}

}  // namespace

LogWriter::LogWriter(Options options)
    : options_(std::move(options)),
      sampler_(AdaptiveSampler::Options{options_.sample_rate, options_.adaptive,
                                        options_.sampler_clock}),
      sink_(options_.sink.empty() || options_.off ? LogSink::borrow(options_.fd) : nullptr) {
  std::string sink_error;
  if (!sink_) {
    try {
      sink_ = LogSink::open(options_.sink);
    } catch (const std::exception& e) {
      // The config check saw the file writable; if it no longer is, log somewhere rather than
      // nowhere.
      sink_error = e.what();
      sink_ = LogSink::open("stderr");
    }
  }
  auto& registry = metrics::Registry::global();
  written_metric_ =
      &registry.counter("mosaic_log_lines_written_total", "Log lines written to the sink");
  dropped_metric_ =
      &registry.counter("mosaic_log_lines_dropped_total",
                        "Log lines lost because the queue was full or the sink failed");
  sampled_out_metric_ = &registry.counter("mosaic_log_lines_sampled_out_total",
                                          "Info and debug lines of requests that were not sampled");
  if (options_.off) return;
  queue_gauge_id_ =
      registry.gauge_callback("mosaic_log_queue_length", "Log lines waiting for the writer", {},
                              [this] { return static_cast<double>(queued()); });
  rate_gauge_id_ = registry.gauge_callback("mosaic_log_sample_rate",
                                           "Share of requests whose info lines are kept", {},
                                           [this] { return sampler_.rate(); });
  sampler_.set_change_handler([this](double before, double after, double error_rate) {
    log(LogLevel::kWarn, after > before ? "log sample rate raised" : "log sample rate lowered",
        {{"sample_rate", after}, {"previous_rate", before}, {"error_rate", error_rate}});
  });
  thread_ = std::thread([this] { run(); });
  if (!sink_error.empty())
    log(LogLevel::kError, "log sink unavailable; writing to stderr", {{"error", sink_error}});
}

LogWriter::~LogWriter() {
  auto& registry = metrics::Registry::global();
  if (queue_gauge_id_)
    registry.remove_gauge_callback("mosaic_log_queue_length", {}, queue_gauge_id_);
  if (rate_gauge_id_) registry.remove_gauge_callback("mosaic_log_sample_rate", {}, rate_gauge_id_);
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::shared_ptr<const LogScope> LogWriter::request_scope(std::string request_id,
                                                         std::string pipeline,
                                                         std::string trace_id) const {
  auto scope = std::make_shared<LogScope>();
  scope->request_id = std::move(request_id);
  scope->pipeline = std::move(pipeline);
  scope->trace_id = std::move(trace_id);
  scope->sampled = !options_.off && sampler_.decide();
  return scope;
}

void LogWriter::log(LogLevel level, std::string_view message, const json::object& fields,
                    const std::shared_ptr<const LogScope>& scope, std::string_view step) {
  if (!enabled(level)) return;
  if (!enabled(level, scope.get())) {
    sampled_out_.fetch_add(1, std::memory_order_relaxed);
    sampled_out_metric_->inc();
    return;
  }
  LogRecord record;
  record.time = std::chrono::system_clock::now();
  record.level = level;
  const std::size_t limit = options_.max_field;
  if (message.size() > limit) {
    record.message.assign(message.substr(0, limit));
    record.message += "...";
    record.fields["message_size"] = message.size();
  } else {
    record.message.assign(message);
  }
  record.scope = scope;
  record.step.assign(step);
  record.fields.reserve(fields.size());
  for (const auto& kv : fields) {
    // Sized on this thread without serializing: a 50 KB body costs a walk, not a copy.
    if (response::json_size(kv.value(), limit) > limit) {
      record.fields[std::string(kv.key()) + "_size"] = response::json_size(kv.value());
    } else {
      record.fields[kv.key()] = kv.value();
    }
  }
  push(std::move(record));
}

void LogWriter::log(LogLevel level, std::string_view message, json::object&& fields,
                    const std::shared_ptr<const LogScope>& scope, std::string_view step) {
  if (!enabled(level)) return;
  if (!enabled(level, scope.get())) {
    sampled_out_.fetch_add(1, std::memory_order_relaxed);
    sampled_out_metric_->inc();
    return;
  }
  const std::size_t limit = options_.max_field;
  bool small = message.size() <= limit;
  for (const auto& kv : fields) small = small && response::json_size(kv.value(), limit) <= limit;
  if (!small) {
    log(level, message, static_cast<const json::object&>(fields), scope,
        step);  // sizes what is too big
    return;
  }
  LogRecord record;
  record.time = std::chrono::system_clock::now();
  record.level = level;
  record.message.assign(message);
  record.scope = scope;
  record.step.assign(step);
  record.fields = std::move(fields);
  push(std::move(record));
}

void LogWriter::push(LogRecord record) {
  if (options_.off) return;
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= options_.max_queued) {
      note_dropped(1);
      return;
    }
    queue_.push_back(std::move(record));
    // The writer needs waking for the first line of a batch, and to cut its linger short when
    // the queue is filling up; the lines in between cost no wakeup.
    wake = queue_.size() == 1 || queue_.size() == options_.max_queued / 2;
  }
  if (wake) wake_.notify_one();
}

void LogWriter::note_dropped(std::uint64_t n) {
  dropped_.fetch_add(n, std::memory_order_relaxed);
  dropped_metric_->inc(n);
}

std::size_t LogWriter::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

bool LogWriter::flush(std::chrono::milliseconds bound) {
  std::unique_lock lock(mutex_);
  flush_requested_ = true;
  wake_.notify_all();
  return drained_.wait_for(lock, bound,
                           [this] { return (queue_.empty() && !writing_) || !thread_.joinable(); });
}

void LogWriter::reopen() {
  sink_->reopen();
}

void LogWriter::run() {
  support::name_this_thread("log");
  TimeFormatter time;
  std::vector<LogRecord> batch;
  std::string buffer;
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return !queue_.empty() || stopping_; });
    if (queue_.empty() && stopping_) break;
    // Let a batch gather: one wakeup and one write per `linger`, not one per line.
    if (options_.linger.count() > 0 && !stopping_ && !flush_requested_) {
      wake_.wait_for(lock, options_.linger, [this] {
        return stopping_ || flush_requested_ || queue_.size() >= options_.max_queued / 2;
      });
    }
    flush_requested_ = false;
    batch.swap(queue_);
    writing_ = true;
    lock.unlock();
    buffer.clear();
    for (const auto& record : batch) format_line(record, time, buffer);
    const bool ok = sink_->write(buffer, [this](std::chrono::milliseconds stalled) {
      return stopping_.load(std::memory_order_relaxed) && stalled >= options_.stall_bound;
    });
    if (ok) {
      written_.fetch_add(batch.size(), std::memory_order_relaxed);
      written_metric_->inc(batch.size());
    } else {
      note_dropped(batch.size());
    }
    batch.clear();
    if (buffer.capacity() > (1u << 20)) std::string().swap(buffer);  // do not keep a burst's buffer
    lock.lock();
    writing_ = false;
    drained_.notify_all();
    if (!ok && stopping_) {
      // The sink stayed stalled past the bound at shutdown: what is left is lost.
      note_dropped(queue_.size());
      queue_.clear();
    }
  }
  writing_ = false;
  drained_.notify_all();
}

}  // namespace mosaic::logging
