// Sends Outbound requests concurrently on one libcurl multi handle, on its own thread.
#ifndef WEBHOOKS_NOTIFIER_TRANSPORT_H_
#define WEBHOOKS_NOTIFIER_TRANSPORT_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "notifier/outbound.h"

namespace webhooks {

class Transport {
 public:
  using Callback = std::function<void(TransportResult)>;
  virtual ~Transport() = default;
  // Starts sending `request`; `done` runs exactly once, on the transport's thread, with the
  // outcome. `pinned_address` (from the SSRF guard), when non-empty, is the only address the
  // connection may use for the URL's host. Thread-safe.
  virtual void Submit(Outbound request, std::string pinned_address, Callback done) = 0;
  // Stops taking requests, waits up to `grace` for those in flight to finish (their callbacks
  // run), then abandons the rest without calling their callbacks, and returns.
  virtual void Drain(std::chrono::milliseconds grace) = 0;
};

// The libcurl implementation. Redirects are never followed; only http/https (and smtp/smtps
// for mail) are allowed.
std::unique_ptr<Transport> NewCurlTransport();

}  // namespace webhooks

#endif  // WEBHOOKS_NOTIFIER_TRANSPORT_H_
