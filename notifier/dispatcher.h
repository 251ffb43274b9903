// Dispatcher: takes due deliveries from the durable queue, sends them through the Transport with
// a per-endpoint concurrency cap (a slow or dead endpoint holds only its own slots), and turns
// every answer into an AttemptOutcome that the Recorder commits. A delivery stays "known" (never
// taken from the queue twice) until its outcome is durable.
#ifndef WEBHOOKS_NOTIFIER_DISPATCHER_H_
#define WEBHOOKS_NOTIFIER_DISPATCHER_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "common/time_format.h"
#include "model/retry_schedule.h"
#include "notifier/attempt_outcome.h"
#include "notifier/channel_format.h"
#include "notifier/endpoint_breaker.h"
#include "notifier/endpoint_pacer.h"
#include "notifier/guard_resolver.h"
#include "notifier/transport.h"
#include "notifier/url_guard.h"
#include "store/admission.h"
#include "store/delivery_store.h"
#include "store/store.h"

namespace webhooks {

struct DispatcherOptions {
  ChannelEndpoints endpoints;
  std::vector<Cidr> allow_cidrs;
  size_t per_endpoint_concurrency = 8;
  // Deliveries held in memory (waiting here, in flight, or until their outcome is committed).
  // Saturated endpoints hold up to per_endpoint_concurrency + max_waiting_per_endpoint each:
  // about 340 black-hole endpoints at the defaults before the others wait for slots.
  size_t max_known = 8192;
  size_t max_admit_per_step = 512;  // deliveries taken from the durable queue per Step
  // Deliveries waiting here per endpoint at most; 0: twice per_endpoint_concurrency, at least
  // 16 (enough to keep a fast endpoint busy between two scans, little for a dead one to hold).
  // Once an endpoint has that many (counting those the scan in progress took), the scans pass
  // over its deliveries (known from the due entry's DueGroup, without reading them), so one
  // slow endpoint can neither fill memory nor make every Step re-read its backlog.
  size_t max_waiting_per_endpoint = 0;
  // Consecutive unanswered attempts (no response, timeout, 429, 5xx) after which an http(s)
  // endpoint gets one attempt at a time and one waiting until it answers (EndpointBreaker);
  // 0: per_endpoint_concurrency, at least 10.
  size_t open_circuit_after = 0;
  // Webhook channels whose endpoint is remembered (to recognise a saturated endpoint's
  // deliveries from the due index alone); forgotten all at once beyond this.
  size_t max_groups = 100000;
  // Due-queue entries one Step examines at most in each of its two scans: from the earliest due
  // (`max_head_scan`: mostly deliveries in flight, so kept short), and a sweep that resumes where
  // the previous Step's stopped (`max_scan`). A Step stays cheap however many deliveries a
  // saturated endpoint has, and every due delivery is still reached.
  size_t max_head_scan = 256;
  size_t max_scan = 1024;
  // Webhooks kept decoded between Steps (with their disabled channels) while the store's
  // ConfigVersion stays the same; forgotten all at once beyond this.
  size_t max_cached_webhooks = 10000;
  // The SSRF guard's resolution step (default: ResolveGuardedUrl with allow_cidrs), run by a
  // GuardResolver off the dispatch thread.
  GuardResolver::ResolveFn resolve;
  GuardResolver::Options resolver;
  // A steady count of microseconds, for rate_limit pacing; unset: std::chrono::steady_clock.
  std::function<int64_t()> pace_clock_us;
  // When set, an answered attempt starts the next waiting deliveries of its endpoint itself, on
  // the thread that reported the answer (the transport's), and calls `wake(false)` only when it
  // could not: a scan held the queues, or the start was nested in another. The caller then runs
  // a Step(false) soon. It calls `wake(true)` when that endpoint's waiting deliveries ran below
  // its cap while the durable queue holds more for it (a scan stopped at the cap): the caller
  // then runs a Step(true) soon, so a fast endpoint is refilled as it drains, not only when
  // something else asks for a scan. Unset: waiting deliveries start in Step only.
  std::function<void(bool scan)> wake;
};

class Dispatcher {
 public:
  using OutcomeSink = std::function<void(AttemptOutcome)>;

  Dispatcher(DispatcherOptions options, const RetrySchedule& schedule, WebhookStore& webhooks,
             DeliveryStore& deliveries, Transport& transport, Clock clock, OutcomeSink sink);

  // Takes due deliveries from the durable queue (when `scan`), then starts as many waiting
  // deliveries as the caps allow. Returns how many started. A Step without a scan is cheap:
  // the notifier runs one whenever an attempt frees its endpoint's slot.
  absl::StatusOr<size_t> Step(bool scan = true);
  // Called once an outcome is durable: the delivery may be taken from the queue again.
  void Forget(const std::string& delivery_id);
  // Forget for each outcome's delivery, under one lock.
  void ForgetAll(const std::vector<AttemptOutcome>& outcomes);
  // Deliveries currently known (queued here or in flight) and in flight.
  size_t known();
  size_t in_flight();
  // Endpoints whose breaker is open (EndpointBreaker).
  size_t not_answering() const { return breaker_.open_count(); }
  // Rate-limited channels whose deliveries waiting here the last Step held back (their pace,
  // or their previous attempt still on its way to the transport).
  size_t paced_endpoints() const { return paced_held_.load(std::memory_order_relaxed); }
  // How long until a delivery that a rate_limit held back at the last Step (or at a start
  // after an answer, which then also calls options.wake(false)) may start: the caller runs a
  // Step then. nullopt: none was held back.
  std::optional<std::chrono::microseconds> PacedStartDelay();

 private:
  struct Job {
    Delivery delivery;
    std::shared_ptr<const Channel> channel;
    std::string endpoint;
  };
  // A webhook as loaded (its current config and disabled channels), shared by its jobs.
  struct Loaded {
    absl::Status status;
    bool is_active = false;
    std::vector<std::shared_ptr<const Channel>> channels;
    std::vector<std::string> endpoints;  // EndpointKey of each channel
    std::vector<ChannelShape> shapes;    // with the disabled channels marked
  };
  // Drops the webhook cache when the store's ConfigVersion changed (or it grew too big).
  absl::Status RefreshCache();
  const Loaded& Load(const Delivery& d);
  void Admit(Delivery d);
  void Send(Job job);
  // Hands the request to the transport (pinned to `pinned_address` when not empty).
  void Submit(Job job, Outbound request, std::string pinned_address);
  // `sent`: the result came from the endpoint (or the transport trying to reach it), not from
  // building the request or the SSRF guard; only those count for the endpoint's breaker.
  void Complete(Job job, const TransportResult& result, bool sent = true);
  // Why TakeStartableLocked left deliveries waiting while a slot was free: the pace
  // (EndpointPacer; paced_until_us_ says when the next may start), or the previous paced
  // attempt not handed to the transport yet (Launched starts the next).
  enum class Hold { kNone, kPace, kLaunching };
  // Moves the deliveries of `it` that its endpoint's cap and pace let start now into `start`,
  // counted in flight. REQUIRES: mu_ and slots_mu_ held.
  Hold TakeStartableLocked(std::map<std::string, std::deque<Job>>::iterator it,
                           std::vector<Job>& start, int64_t now_us);
  // Called once per started delivery of a rate-limited channel when it leaves for the
  // transport (after the SSRF guard's lookup, which may be slow) or fails before: its pace
  // counts from then, so attempts started during a slow lookup do not go out together, and the
  // channel's next delivery may start. No-op for other channels.
  void Launched(const Job& job);
  // After an answer freed a slot of `endpoint` (options_.wake set): starts what may start now
  // on this thread, or calls options_.wake.
  void StartNext(const std::string& endpoint);
  int64_t NowMs() const;
  int64_t NowUs() const;

  DispatcherOptions options_;
  const RetrySchedule& schedule_;
  WebhookStore& webhooks_;
  DeliveryStore& deliveries_;
  Transport& transport_;
  Clock clock_;
  OutcomeSink sink_;

  // mu_ guards the queues; slots_mu_ (taken after mu_, or alone) the in-flight counts, so a
  // finished attempt (on a transport thread) never waits for a scan of the due queue, which
  // holds mu_ throughout.
  std::mutex mu_;
  std::mutex slots_mu_;
  // The endpoint of a group (DueGroup) as learned at Admit, "" when unknown. REQUIRES: mu_.
  std::string GroupEndpointLocked(std::string_view group) const;
  // Deliveries waiting here for `endpoint`. REQUIRES: mu_ held.
  size_t WaitingLocked(const std::string& endpoint) const;
  // Notes that the durable queue holds more of `endpoint`'s deliveries than it could take
  // (forgetting all such notes beyond options_.max_groups). REQUIRES: mu_ held.
  void MarkBackloggedLocked(const std::string& endpoint);
  // How many deliveries may wait here, and be in flight, for `endpoint` now.
  size_t WaitingCap(std::string_view endpoint) const;
  size_t ConcurrencyCap(std::string_view endpoint) const;
  // The endpoint's circuit just opened: its waiting deliveries beyond the open cap go back
  // to the durable queue (no longer known), freeing their room for other endpoints.
  void ShedWaiting(const std::string& endpoint);
  // Takes up to `room` due deliveries through `scan` and admits them; how many it took.
  absl::StatusOr<size_t> Take(size_t room, DeliveryStore::DueScan* scan);

  absl::flat_hash_set<std::string> known_;  // GUARDED_BY(mu_)
  // Endpoints for which a scan (or Admit) stopped at the waiting cap since their last refill
  // request (StartNext): the durable queue holds more of their deliveries. GUARDED_BY(mu_)
  absl::flat_hash_set<std::string> backlogged_;
  std::map<std::string, std::deque<Job>> waiting_;  // GUARDED_BY(mu_), by endpoint
  std::map<std::string, size_t> busy_;              // GUARDED_BY(slots_mu_), by endpoint
  // DueGroup -> endpoint, learned at Admit. GUARDED_BY(mu_)
  absl::flat_hash_map<std::string, std::string> group_endpoint_;
  DeliveryStore::DueScan sweep_;  // used by Step only
  // "<internal_id>/<webhook_id>" -> Loaded, valid for cache_version_. Used by Step only.
  absl::flat_hash_map<std::string, Loaded> cache_;
  std::string cache_version_;
  size_t in_flight_ = 0;  // GUARDED_BY(slots_mu_)
  std::mt19937_64 rng_;   // GUARDED_BY(slots_mu_)
  EndpointPacer pacer_;   // GUARDED_BY(slots_mu_)
  // Rate-limited endpoints with a started attempt not yet handed to the transport.
  absl::flat_hash_set<std::string> launching_;  // GUARDED_BY(slots_mu_)
  std::atomic<size_t> paced_held_{0};
  // The earliest start a pace held back since the last Step began (reset there, which
  // visits every waiting endpoint); max(): none. GUARDED_BY(slots_mu_)
  int64_t paced_until_us_ = std::numeric_limits<int64_t>::max();
  EndpointBreaker breaker_;
  // Last: destroyed first, while the members its callbacks use still exist.
  GuardResolver resolver_;
};

}  // namespace webhooks

#endif  // WEBHOOKS_NOTIFIER_DISPATCHER_H_
