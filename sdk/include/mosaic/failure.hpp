#pragma once
// A downstream call either yields a JSON value or a typed Failure. The kind decides what the engine
// does (a timeout may be retried, a bad status is reported with its code) and the reason() string
// is what a front end sees in `_meta.degraded` or in a 502 body.
#include <string>
#include <utility>

namespace mosaic {

enum class FailureKind {
  kTimeout,        // the call's deadline passed
  kCancelled,      // the request no longer wants the result (a critical sibling failed)
  kConnectFailed,  // no connection could be opened to the downstream
  kUnavailable,    // the downstream refused, reset or closed the connection mid-call
  kBadStatus,      // the downstream answered with a non-success status
  kBadResponse,    // the answer could not be understood (not JSON, truncated, wrong type)
  kTooLarge,       // the answer exceeded the configured maximum size
  kShed,           // refused locally: a bulkhead or a pool was full
  kCircuitOpen,    // refused locally: the downstream's breaker is open
  kBadInput,       // the rendered input cannot be sent (e.g. a forbidden character)
  kError,          // anything else the plugin reports
  // ABI 3. TLS to the downstream failed; never retried on an unverified connection.
  kTlsVerifyFailed,     // the peer's certificate was refused: unknown CA, wrong host name, expired
  kTlsHandshakeFailed,  // the handshake failed otherwise (no common protocol, client cert refused)
};

struct Failure {
  FailureKind kind = FailureKind::kError;
  int status = 0;      // the HTTP (or protocol) status for kBadStatus
  std::string detail;  // for logs only: never sent to a front end

  static Failure Timeout(std::string detail = {}) {
    return {FailureKind::kTimeout, 0, std::move(detail)};
  }
  static Failure Cancelled(std::string detail = {}) {
    return {FailureKind::kCancelled, 0, std::move(detail)};
  }
  static Failure Status(int code, std::string detail = {}) {
    return {FailureKind::kBadStatus, code, std::move(detail)};
  }
  static Failure Of(FailureKind kind, std::string detail = {}) {
    return {kind, 0, std::move(detail)};
  }

  // The stable, client-visible name: timeout, cancelled, connect_failed, unavailable,
  // status_503, bad_response, too_large, shed, circuit_open, bad_input, error, tls_verify_failed,
  // tls_handshake_failed.
  std::string reason() const {
    switch (kind) {
      case FailureKind::kTimeout:
        return "timeout";
      case FailureKind::kCancelled:
        return "cancelled";
      case FailureKind::kConnectFailed:
        return "connect_failed";
      case FailureKind::kUnavailable:
        return "unavailable";
      case FailureKind::kBadStatus:
        return "status_" + std::to_string(status);
      case FailureKind::kBadResponse:
        return "bad_response";
      case FailureKind::kTooLarge:
        return "too_large";
      case FailureKind::kShed:
        return "shed";
      case FailureKind::kCircuitOpen:
        return "circuit_open";
      case FailureKind::kBadInput:
        return "bad_input";
      case FailureKind::kError:
        return "error";
      case FailureKind::kTlsVerifyFailed:
        return "tls_verify_failed";
      case FailureKind::kTlsHandshakeFailed:
        return "tls_handshake_failed";
    }
    return "error";
  }
};

}  // namespace mosaic
