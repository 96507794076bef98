#pragma once
// What the microbenchmarks share: an in-process downstream that does nothing, pipelines compiled
// from YAML text against it, and JSON bodies shaped like the performance suite's nginx answers.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

#include "config/engine_config.hpp"
#include "mosaic/downstream.hpp"
#include "pipeline/pipeline_compiler.hpp"

namespace mosaic::micro {

// Answers every call at once with the same small object (a field `id`, so chains can use it).
class NoopDownstream final : public Downstream {
 public:
  CallResult call(const Json& input, CallContext& context) override {
    (void)input;
    (void)context;
    return value_;
  }

 private:
  const Json value_ = json::object{{"id", "it-1843"}, {"segment", "gold"}, {"name", "Ada"}};
};

inline std::shared_ptr<pipeline::DownstreamHandle> noop_handle(const std::string& name) {
  auto handle = std::make_shared<pipeline::DownstreamHandle>();
  handle->name = name;
  handle->plugin = "noop";
  handle->downstream = std::make_shared<NoopDownstream>();
  return handle;
}

// Compiles one pipeline file's text; every `call:` resolves to a NoopDownstream. Throws on errors.
inline std::shared_ptr<const pipeline::CompiledPipeline> compile(const std::string& yaml) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("mosaic-micro-" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(path) << yaml;
  config::Diagnostics diagnostics;
  auto config = config::load_pipeline_file(path.string(), diagnostics);
  std::filesystem::remove(path);
  if (!config) throw std::runtime_error(diagnostics.str());
  auto compiled = pipeline::compile_pipeline(
      *config, [](const std::string& name) { return noop_handle(name); }, diagnostics);
  if (!compiled) throw std::runtime_error(diagnostics.str());
  return std::make_shared<const pipeline::CompiledPipeline>(std::move(*compiled));
}

// The dashboard of bench/suite/pipelines, downstream calls answered in process.
inline constexpr const char* kDashboardYaml = R"(
endpoint: GET /dashboard/{userId}
steps:
  auth:    { call: users, class: critical, with: { path: "/auth/${params.userId}" } }
  profile: { call: users, class: critical, with: { path: "/profile/${params.userId}" } }
  orders:  { call: orders, class: degradable, with: { path: "/orders/${params.userId}" } }
  payment: { call: payment, class: degradable, with: { path: "/payment/${params.userId}" } }
  recommendations:
    call: recs
    class: background
    with: { path: "/recommendations/${params.userId}", query: { segment: "${steps.profile.segment}" } }
  analytics:
    call: analytics
    class: background
    with:
      method: POST
      path: "/analytics/${params.userId}"
      body: { event: page_view, page: dashboard, user: "${params.userId}", segment: "${steps.profile.segment}" }
response:
  user: { auth: "${steps.auth}", profile: "${steps.profile}" }
  greeting: "Welcome back, ${steps.profile.name}"
  orders: "${steps.orders.items}"
  payment: "${steps.payment.default_method}"
)";

// Bodies of the suite's nginx (bench/suite/nginx.conf), 0.3-1 KB.
inline constexpr const char* kAuthBody =
    R"({"user_id":"u-48213","active":true,"roles":["customer","beta"],"scopes":["profile:read","orders:read","payment:read","recommendations:read"],"session":{"id":"s-9f1c2a7e","issued_at":"2024-05-01T10:00:00Z","expires_at":"2024-05-01T22:00:00Z","mfa":true},"risk":{"score":0.07,"level":"low","checked_at":"2024-05-01T10:00:01Z"},"tenant":"uk-retail"})";
inline constexpr const char* kProfileBody =
    R"({"id":"u-48213","name":"Ada Lovelace","email":"ada@example.com","segment":"gold","locale":"en-GB","timezone":"Europe/London","member_since":"2016-03-14","avatar":"https://cdn.example.com/avatars/u-48213/160x160.jpg","address":{"line1":"12 St James Square","line2":null,"city":"London","postcode":"SW1Y 4JH","country":"GB"},"preferences":{"newsletter":true,"currency":"GBP","units":"metric","theme":"dark","notifications":{"email":true,"sms":false,"push":true}},"loyalty":{"tier":"gold","points":18250,"next_tier":"platinum","points_to_next":6750},"flags":["early_access","free_shipping"]})";
inline constexpr const char* kOrdersBody =
    R"({"user_id":"u-48213","total":3,"items":[{"id":"o-100234","placed_at":"2024-04-28T09:14:00Z","status":"shipped","total":{"amount":129.90,"currency":"GBP"},"lines":[{"sku":"bk-1843","name":"Notes on the Analytical Engine","qty":1,"price":39.90},{"sku":"pn-0021","name":"Fountain pen, fine nib","qty":2,"price":45.00}],"tracking":{"carrier":"royal-mail","code":"RM123456785GB","eta":"2024-05-02"}},{"id":"o-100198","placed_at":"2024-04-11T17:40:00Z","status":"delivered","total":{"amount":24.50,"currency":"GBP"},"lines":[{"sku":"tb-3301","name":"Tea, Earl Grey, 250 g","qty":1,"price":24.50}],"tracking":{"carrier":"dpd","code":"15501234567890","eta":"2024-04-13"}},{"id":"o-100077","placed_at":"2024-03-02T12:03:00Z","status":"returned","total":{"amount":310.00,"currency":"GBP"},"lines":[{"sku":"lp-7710","name":"Brass orrery, desk size","qty":1,"price":310.00}],"tracking":{"carrier":"dhl","code":"JD014600004211","eta":"2024-03-05"}}],"next_page":null})";
inline constexpr const char* kPaymentBody =
    R"({"user_id":"u-48213","default_method":{"type":"card","brand":"visa","last4":"4242","expires":"2027-09","billing_postcode":"SW1Y 4JH"},"methods":[{"type":"card","brand":"visa","last4":"4242"},{"type":"paypal","email":"ada@example.com"}],"wallet":{"balance":{"amount":12.40,"currency":"GBP"},"gift_cards":1},"credit":{"status":"approved","limit":{"amount":1500,"currency":"GBP"},"available":{"amount":1370.10,"currency":"GBP"}},"outstanding_invoices":0})";

// A JSON document of about `bytes` bytes: a list of order-like records.
inline std::string json_document(std::size_t bytes) {
  std::string out = R"({"items":[)";
  for (int n = 0; out.size() < bytes; ++n) {
    if (n) out += ',';
    out += R"({"id":"o-)" + std::to_string(100000 + n) +
           R"(","status":"shipped","total":{"amount":)" + std::to_string(10 + n % 400) +
           R"(.5,"currency":"GBP"},"lines":[{"sku":"sku-)" + std::to_string(n * 37 % 9973) +
           R"(","qty":1,"price":9.5}]})";
  }
  return out + "]}";
}

}  // namespace mosaic::micro
