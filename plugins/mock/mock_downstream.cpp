#include "mock_downstream.hpp"

#include <limits>
#include <optional>

namespace mosaic_mock {

using mosaic::Failure;
using mosaic::FailureKind;

MockConfig read_config(const mosaic::Json& config) {
  mosaic::ConfigReader reader(config);
  MockConfig out;
  out.latency = reader.duration("latency", out.latency);
  out.jitter = reader.duration("jitter", out.jitter);
  out.fail_rate = reader.number("fail_rate", 0, 0, 1);
  out.hang_rate = reader.number("hang_rate", 0, 0, 1);
  out.fail_status = static_cast<int>(reader.integer("fail_status", 503, 100, 599));
  if (reader.has("seed")) {
    out.seed = reader.integer("seed", 0, std::numeric_limits<std::int64_t>::min(),
                              std::numeric_limits<std::int64_t>::max());
  }
  reader.finish();
  return out;
}

MockDownstream::MockDownstream(MockConfig config)
    : config_(config),
      rng_(config.seed ? static_cast<std::uint64_t>(*config.seed) : std::random_device{}()) {}

std::vector<std::string> MockDownstream::accepted_with_keys() const {
  return {"body", "latency", "fail", "hang", "status", "size"};
}

bool MockDownstream::idempotent(const mosaic::Json& input) const {
  (void)input;
  return true;
}

double MockDownstream::uniform() {
  std::lock_guard lock(rng_mutex_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
}

std::chrono::milliseconds MockDownstream::jitter() {
  if (config_.jitter.count() <= 0) return std::chrono::milliseconds(0);
  std::lock_guard lock(rng_mutex_);
  return std::chrono::milliseconds(
      std::uniform_int_distribution<std::int64_t>(0, config_.jitter.count())(rng_));
}

mosaic::CallResult MockDownstream::call(const mosaic::Json& input, mosaic::CallContext& context) {
  static const mosaic::json::object kEmpty;
  if (!input.is_null() && !input.is_object()) {
    return Failure::Of(FailureKind::kBadInput, "with: must be an object");
  }
  const mosaic::json::object& with = input.is_object() ? input.as_object() : kEmpty;

  auto latency = config_.latency;
  bool fail = false;
  bool hang = false;
  std::optional<int> status;
  std::optional<std::uint64_t> size;
  for (const auto& kv : with) {
    std::string_view key = kv.key();
    const mosaic::Json& v = kv.value();
    if (key == "body") continue;
    if (key == "latency") {
      auto d = v.is_string() ? mosaic::parse_duration(v.as_string()) : std::nullopt;
      if (!d) return Failure::Of(FailureKind::kBadInput, "latency must be a duration such as 50ms");
      latency = *d;
    } else if (key == "fail" || key == "hang") {
      if (!v.is_bool())
        return Failure::Of(FailureKind::kBadInput, std::string(key) + " must be true or false");
      (key == "fail" ? fail : hang) = v.as_bool();
    } else if (key == "status") {
      if (!v.is_int64() || v.as_int64() < 100 || v.as_int64() > 599) {
        return Failure::Of(FailureKind::kBadInput,
                           "status must be a whole number between 100 and 599");
      }
      status = static_cast<int>(v.as_int64());
    } else if (key == "size") {
      if (v.is_int64() && v.as_int64() >= 0) {
        size = static_cast<std::uint64_t>(v.as_int64());
      } else if (v.is_string()) {
        size = mosaic::parse_size(v.as_string());
      }
      if (!size || *size > (256u << 20)) {
        return Failure::Of(FailureKind::kBadInput,
                           "size must be a size up to 256MiB such as 64KiB or 5MiB");
      }
      if (with.contains("body"))
        return Failure::Of(FailureKind::kBadInput, "size and body cannot be used together");
    } else {
      return Failure::Of(FailureKind::kBadInput, "unknown key '" + std::string(key) + "'");
    }
  }

  // Draws happen for every call (even when `with` decides) so a seeded sequence stays aligned.
  const bool random_hang = uniform() < config_.hang_rate;
  const bool random_fail = uniform() < config_.fail_rate;
  const auto extra = jitter();

  if (hang || random_hang) {
    while (context.wait_for(std::chrono::seconds(1))) {
    }
    return context.interruption();
  }
  if (!context.wait_for(latency + extra)) return context.interruption();
  if (status) return Failure::Status(*status, "mock: status from with");
  if (fail || random_fail) return Failure::Status(config_.fail_status, "mock: injected failure");
  if (size) return receive(*document(*size), context);
  if (const auto* body = with.if_contains("body")) return *body;
  return mosaic::Json(nullptr);
}

std::shared_ptr<const std::string> MockDownstream::document(std::uint64_t size) {
  std::lock_guard lock(documents_mutex_);
  auto& doc = documents_[size];
  if (!doc) {
    // {"items":[{"id":0,"name":"item-0","tags":[...],"cents":...,"text":"..."},...],"count":n}
    // (integers only, so the document serializes back to exactly this text)
    std::string text = "{\"items\":[";
    text.reserve(size);
    std::uint64_t n = 0;
    auto closing = [](std::uint64_t count) { return "],\"count\":" + std::to_string(count) + "}"; };
    while (true) {
      const std::string id = std::to_string(n);
      const std::string item =
          std::string(n > 0 ? "," : "") + "{\"id\":" + id + ",\"name\":\"item-" + id +
          "\",\"tags\":[\"red\",\"green\",\"blue\"],\"cents\":" + std::to_string(n % 99991) +
          ",\"text\":\"lorem ipsum dolor sit amet, consectetur adipiscing elit\"}";
      if (text.size() + item.size() + closing(n + 1).size() > size) break;
      text += item;
      ++n;
    }
    text += closing(n);
    doc = std::make_shared<const std::string>(std::move(text));
  }
  return doc;
}

// Parses `text` as a downstream's body: on the offload pool when the engine says it is large.
mosaic::CallResult MockDownstream::receive(const std::string& text, mosaic::CallContext& context) {
  std::optional<mosaic::Json> value;
  auto parse = [&] { value = mosaic::json::parse(text); };
  if (context.should_offload(text.size())) {
    if (auto refused = context.offload(parse)) return std::move(*refused);
  } else {
    parse();
  }
  return std::move(*value);
}

}  // namespace mosaic_mock
