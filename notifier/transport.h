// Sends Outbound requests concurrently on one libcurl multi handle, on its own thread.
#ifndef WEBHOOKS_NOTIFIER_TRANSPORT_H_
#define WEBHOOKS_NOTIFIER_TRANSPORT_H_

#include <chrono>
#include <cstddef>
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
// for mail) are allowed. `threads` (at least 1) event loops, each with its own libcurl multi
// handle and connection cache, take requests in turn: one loop's thread spends most of its
// time in libcurl and the kernel's TCP path, and caps the rate at what one core sends.
std::unique_ptr<Transport> NewCurlTransport(size_t threads = 1);

}  // namespace webhooks

#endif  // WEBHOOKS_NOTIFIER_TRANSPORT_H_
