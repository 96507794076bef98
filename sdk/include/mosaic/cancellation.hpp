#pragma once
// A handle on a callback registered for cancellation. Destroying (or reset()ing) it unregisters
// the callback and waits for it if it is running on another thread, so the callback may safely
// capture locals of the scope that holds the handle.
#include <functional>
#include <utility>

namespace mosaic {

class CancelRegistration {
 public:
  CancelRegistration() = default;
  explicit CancelRegistration(std::function<void()> unregister)
      : unregister_(std::move(unregister)) {}
  CancelRegistration(CancelRegistration&& other) noexcept
      : unregister_(std::exchange(other.unregister_, {})) {}
  CancelRegistration& operator=(CancelRegistration&& other) noexcept {
    if (this != &other) {
      reset();
      unregister_ = std::exchange(other.unregister_, {});
    }
    return *this;
  }
  CancelRegistration(const CancelRegistration&) = delete;
  CancelRegistration& operator=(const CancelRegistration&) = delete;
  ~CancelRegistration() { reset(); }

  void reset() {
    if (unregister_) std::exchange(unregister_, {})();
  }

 private:
  std::function<void()> unregister_;
};

}  // namespace mosaic
