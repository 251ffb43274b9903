// GuardResolver: the SSRF guard's DNS step (ResolveGuardedUrl) off the dispatch thread. Answers
// are cached per endpoint for a while, so the common case costs a map lookup; misses resolve on a
// few worker threads, so a slow or dead DNS server delays only the deliveries to the names it
// serves, never the dispatch loop or other endpoints.
#ifndef WEBHOOKS_NOTIFIER_GUARD_RESOLVER_H_
#define WEBHOOKS_NOTIFIER_GUARD_RESOLVER_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace webhooks {

class GuardResolver {
 public:
  // Resolves a URL to the address to pin, or the refusal (ResolveGuardedUrl with the allow list).
  // May block on DNS; runs on the worker threads.
  using ResolveFn = std::function<absl::StatusOr<std::string>(const std::string& url)>;
  using Done = std::function<void(absl::StatusOr<std::string>)>;
  struct Options {
    size_t threads = 4;
    std::chrono::milliseconds ttl{std::chrono::seconds(60)};  // answers and refusals
    // DNS failures (Unavailable) are kept this long only: the name may resolve again soon.
    std::chrono::milliseconds failure_ttl{std::chrono::seconds(5)};
    size_t max_entries = 100000;  // forgotten all at once beyond this
  };

  GuardResolver(ResolveFn resolve, Options options);
  // Returns without waiting for workers blocked in DNS (they finish on their own and call no
  // one back); waits only for callbacks already running. Queued resolutions are dropped.
  ~GuardResolver();
  GuardResolver(const GuardResolver&) = delete;
  GuardResolver& operator=(const GuardResolver&) = delete;

  // Calls `done` with the answer for `url`, whose endpoint (scheme://host:port) is `key`: at once
  // on this thread when a fresh answer is cached, otherwise later on a worker thread. Requests
  // for a key already being resolved wait for that resolution. Thread-safe.
  void Resolve(const std::string& key, const std::string& url, Done done);

 private:
  struct State;
  std::shared_ptr<State> state_;  // shared with the (detached at exit) workers
};

}  // namespace webhooks

#endif  // WEBHOOKS_NOTIFIER_GUARD_RESOLVER_H_
