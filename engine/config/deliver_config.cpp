#include "config/deliver_config.hpp"

#include "config/config_values.hpp"

namespace mosaic::config {

namespace {

const std::vector<std::string_view> kDeliverKeys = {"retain",        "max_requests", "max_bytes",
                                                    "client_ids",    "threads",      "queue",
                                                    "drain_timeout", "websocket"};
const std::vector<std::string_view> kWebSocketKeys = {"max_connections", "idle_timeout",
                                                      "send_queue"};

template <class T, class V>
void assign(const std::optional<V>& value, T& target) {
  if (value) target = static_cast<T>(*value);
}

void read_websocket(const std::string& file, const MapEntry& section, DeliverConfig& deliver,
                    Diagnostics& diagnostics) {
  for (const auto& entry :
       read_map(file, section.value, "deliver.websocket", kWebSocketKeys, diagnostics)) {
    if (entry.key == "max_connections")
      assign(read_int(file, entry, 1, 1000000, diagnostics), deliver.ws_max_connections);
    if (entry.key == "idle_timeout")
      assign(read_duration(file, entry, {}, diagnostics), deliver.ws_idle_timeout);
    if (entry.key == "send_queue")
      assign(read_int(file, entry, 1, 1000000, diagnostics), deliver.ws_send_queue);
  }
}

}  // namespace

void read_deliver(const std::string& file, const MapEntry& section, DeliverConfig& deliver,
                  Diagnostics& diagnostics) {
  for (const auto& entry : read_map(file, section.value, "deliver", kDeliverKeys, diagnostics)) {
    if (entry.key == "retain") assign(read_duration(file, entry, {}, diagnostics), deliver.retain);
    if (entry.key == "max_requests")
      assign(read_int(file, entry, 1, 10000000, diagnostics), deliver.max_requests);
    if (entry.key == "max_bytes") assign(read_size(file, entry, diagnostics), deliver.max_bytes);
    if (entry.key == "threads")
      assign(read_int(file, entry, 1, 4096, diagnostics), deliver.threads);
    if (entry.key == "queue") assign(read_int(file, entry, 0, 1000000, diagnostics), deliver.queue);
    if (entry.key == "drain_timeout") {
      assign(read_duration(file, entry, {true, std::nullopt}, diagnostics), deliver.drain_timeout);
    }
    if (entry.key == "websocket") read_websocket(file, entry, deliver, diagnostics);
    if (entry.key == "client_ids") {
      const std::string text = entry.value.IsScalar() ? entry.value.Scalar() : std::string();
      if (text == "true" || text == "false") {
        deliver.client_ids = text == "true";
      } else {
        diagnostics.error(value_where(file, entry),
                          "client_ids must be true or false, got '" + text + "'");
      }
    }
  }
}

}  // namespace mosaic::config
