#pragma once
// Which outcomes say something about the downstream's health (the breaker counts them) and
// which failures another attempt may fix (the retry policy repeats them).
#include "mosaic/failure.hpp"

namespace mosaic::resilience {

enum class Verdict {
  kSuccess,  // the downstream answered (a 4xx too: it is the request that was wrong)
  kFailure,  // the downstream is unwell: it timed out, refused, reset, answered 5xx/429 or garbage
  kNeutral,  // says nothing about the downstream: refused locally (shed, circuit_open,
             // bad_input, too_large), cancelled by the request, or a plugin error
};

inline bool is_overload_status(int status) {
  return status >= 500 || status == 429;
}

inline Verdict verdict_of(const Failure* failure) {
  if (failure == nullptr) return Verdict::kSuccess;
  switch (failure->kind) {
    case FailureKind::kTimeout:
    case FailureKind::kConnectFailed:
    case FailureKind::kUnavailable:
    case FailureKind::kBadResponse:
    case FailureKind::kTlsVerifyFailed:  // the downstream cannot be reached safely: count it
    case FailureKind::kTlsHandshakeFailed:
      return Verdict::kFailure;
    case FailureKind::kBadStatus:
      return is_overload_status(failure->status) ? Verdict::kFailure : Verdict::kSuccess;
    case FailureKind::kTooLarge:  // the downstream answered; the limit is ours
    case FailureKind::kCancelled:
    case FailureKind::kShed:
    case FailureKind::kCircuitOpen:
    case FailureKind::kBadInput:
    case FailureKind::kError:
      return Verdict::kNeutral;
  }
  return Verdict::kNeutral;
}

// Connect failures (nothing was sent), 5xx and 429. A timed-out attempt is retryable too, but
// only the retry layer knows whether it was the attempt's time or the call's that ran out.
inline bool is_retryable(const Failure& failure) {
  return failure.kind == FailureKind::kConnectFailed ||
         (failure.kind == FailureKind::kBadStatus && is_overload_status(failure.status));
}

}  // namespace mosaic::resilience
