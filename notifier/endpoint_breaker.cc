#include "notifier/endpoint_breaker.h"

namespace webhooks {

bool EndpointBreaker::Answered(const TransportResult& result) {
  if (!result.error.empty() || result.status_code == 0) return false;
  return result.status_code != 429 && result.status_code < 500;
}

bool EndpointBreaker::Subject(std::string_view endpoint) {
  return endpoint.starts_with("http://") || endpoint.starts_with("https://");
}

EndpointBreaker::Change EndpointBreaker::Record(const std::string& endpoint, bool answered) {
  if (open_after_ == 0 || !Subject(endpoint)) return Change::kNone;
  std::lock_guard<std::mutex> lock(mu_);
  if (answered) {
    auto it = failures_.find(endpoint);
    if (it == failures_.end()) return Change::kNone;
    const bool was_open = it->second >= open_after_;
    failures_.erase(it);
    if (!was_open) return Change::kNone;
    open_.fetch_sub(1, std::memory_order_relaxed);
    return Change::kClosed;
  }
  if (failures_.size() >= max_tracked_ && !failures_.contains(endpoint)) {
    failures_.clear();
    open_.store(0, std::memory_order_relaxed);
  }
  if (++failures_[endpoint] != open_after_) return Change::kNone;
  open_.fetch_add(1, std::memory_order_relaxed);
  return Change::kOpened;
}

bool EndpointBreaker::IsOpen(std::string_view endpoint) const {
  if (open_.load(std::memory_order_relaxed) == 0) return false;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = failures_.find(absl::string_view(endpoint.data(), endpoint.size()));
  return it != failures_.end() && it->second >= open_after_;
}

}  // namespace webhooks
