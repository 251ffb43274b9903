// EndpointBreaker: a circuit breaker per webhook endpoint. An endpoint that stops answering
// (connection errors, timeouts, 429, 5xx) `open_after` times in a row is "open": the dispatcher
// then sends it one attempt at a time and keeps one more waiting, instead of its full
// concurrency and waiting queue, until an answer closes it again. A black-hole endpoint thus
// holds two deliveries in memory rather than its whole share, and many of them cannot crowd
// the healthy endpoints out.
//
// Only http(s) origins (webhook URLs, Slack incoming webhooks) are subject to it; the SMTP
// server, Twilio and the Slack Web API are services the operator configured, whose errors are
// mostly about one message, and are never opened.
#ifndef WEBHOOKS_NOTIFIER_ENDPOINT_BREAKER_H_
#define WEBHOOKS_NOTIFIER_ENDPOINT_BREAKER_H_

#include <atomic>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "notifier/outbound.h"

namespace webhooks {

class EndpointBreaker {
 public:
  // `open_after`: consecutive unanswered attempts that open an endpoint (0: never).
  // `max_tracked`: endpoints with failures remembered at most (forgotten all at once beyond).
  explicit EndpointBreaker(size_t open_after, size_t max_tracked = 100000)
      : open_after_(open_after), max_tracked_(max_tracked) {}

  // Whether an attempt's result shows the endpoint alive: any response except 429 and 5xx.
  static bool Answered(const TransportResult& result);

  enum class Change { kNone, kOpened, kClosed };
  // Records an attempt to `endpoint`; says whether this opened or closed it. Thread-safe.
  Change Record(const std::string& endpoint, bool answered);
  // Whether `endpoint` is open now. Thread-safe.
  bool IsOpen(std::string_view endpoint) const;
  // How many endpoints are open now. Thread-safe.
  size_t open_count() const { return open_.load(std::memory_order_relaxed); }

 private:
  static bool Subject(std::string_view endpoint);

  const size_t open_after_;
  const size_t max_tracked_;
  mutable std::mutex mu_;
  absl::flat_hash_map<std::string, size_t> failures_;  // GUARDED_BY(mu_); > 0 only
  // Endpoints open now (written under mu_): IsOpen answers without the lock while it is 0,
  // the usual case, since the dispatcher asks for every endpoint it starts or admits.
  std::atomic<size_t> open_{0};
};

}  // namespace webhooks

#endif  // WEBHOOKS_NOTIFIER_ENDPOINT_BREAKER_H_
