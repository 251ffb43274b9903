// Dispatcher, taking from the durable queue: the webhook cache, admission (what is cancelled),
// the per-endpoint waiting queues and caps, the scans, and Step. Starting and sending are in
// dispatcher_send.cc.
#include "notifier/dispatcher.h"

#include <algorithm>
#include <cstdio>

#include "notifier/endpoint_key.h"
#include "store/admission.h"

namespace webhooks {
namespace {

// The attempt log's error for a delivery the dispatcher cancels; "" for kNo.
const char* CancelReason(Unsendable why) {
  switch (why) {
    case Unsendable::kNo:
      return "";
    case Unsendable::kPaused:
      return "webhook paused (is_active=false)";
    case Unsendable::kChannelRemoved:
      return "channel removed";
    case Unsendable::kChannelDisabled:
      return "channel disabled";
    case Unsendable::kRecipientRemoved:
      return "recipient removed";
    case Unsendable::kNoticeOnWebhookChannel:
      return "notice for a webhook channel";  // a PUT put one where the notice's channel was
  }
  return "";
}

// Deliveries a rate-limited channel keeps waiting in memory at most: it starts one per
// interval, and is refilled as it drains.
constexpr size_t kPacedWaiting = 4;

}  // namespace

Dispatcher::Dispatcher(DispatcherOptions options, const RetrySchedule& schedule,
                       WebhookStore& webhooks, DeliveryStore& deliveries, Transport& transport,
                       Clock clock, OutcomeSink sink)
    : options_(std::move(options)),
      schedule_(schedule),
      webhooks_(webhooks),
      deliveries_(deliveries),
      transport_(transport),
      clock_(std::move(clock)),
      sink_(std::move(sink)),
      rng_(std::random_device{}()),
      breaker_(options_.open_circuit_after != 0
                   ? options_.open_circuit_after
                   : std::max<size_t>(10, options_.per_endpoint_concurrency)),
      resolver_(
          options_.resolve ? options_.resolve
                           : [allow = options_.allow_cidrs](
                                 const std::string& url) { return ResolveGuardedUrl(url, allow); },
          options_.resolver) {
  if (options_.max_waiting_per_endpoint == 0) {
    options_.max_waiting_per_endpoint = std::max<size_t>(16, 2 * options_.per_endpoint_concurrency);
  }
}

int64_t Dispatcher::NowMs() const { return UnixMillis(clock_()); }

int64_t Dispatcher::NowUs() const {
  if (options_.pace_clock_us) return options_.pace_clock_us();
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::optional<std::chrono::microseconds> Dispatcher::PacedStartDelay() {
  std::lock_guard<std::mutex> slots(slots_mu_);
  if (paced_until_us_ == std::numeric_limits<int64_t>::max()) return std::nullopt;
  return std::chrono::microseconds(std::max<int64_t>(0, paced_until_us_ - NowUs()));
}

size_t Dispatcher::known() {
  std::lock_guard<std::mutex> lock(mu_);
  return known_.size();
}

size_t Dispatcher::in_flight() {
  std::lock_guard<std::mutex> lock(slots_mu_);
  return in_flight_;
}

void Dispatcher::Forget(const std::string& delivery_id) {
  std::lock_guard<std::mutex> lock(mu_);
  known_.erase(delivery_id);
}

void Dispatcher::ForgetAll(const std::vector<AttemptOutcome>& outcomes) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const AttemptOutcome& o : outcomes) known_.erase(o.delivery.delivery_id);
}

absl::Status Dispatcher::RefreshCache() {
  absl::StatusOr<std::string> version = webhooks_.ConfigVersion();
  if (!version.ok()) return version.status();
  if (*version != cache_version_ || cache_.size() >= options_.max_cached_webhooks) {
    cache_.clear();
    cache_version_ = *std::move(version);
  }
  return absl::OkStatus();
}

const Dispatcher::Loaded& Dispatcher::Load(const Delivery& d) {
  std::string key = d.internal_id + "/" + d.webhook_id;
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  Loaded loaded;
  absl::StatusOr<Webhook> w = webhooks_.GetWebhook(d.internal_id, d.webhook_id);
  loaded.status = w.status();
  if (w.ok()) {
    loaded.is_active = w->spec.is_active;
    absl::StatusOr<WebhookDeliveryState> st =
        deliveries_.GetWebhookState(d.internal_id, d.webhook_id);
    loaded.status = st.status();
    if (st.ok()) loaded.shapes = ChannelShapes(w->spec.channels, st->disabled_channels);
    for (Channel& channel : w->spec.channels) {
      loaded.endpoints.push_back(
          EndpointKey(channel, options_.endpoints, d.webhook_id, loaded.endpoints.size()));
      loaded.channels.push_back(std::make_shared<const Channel>(std::move(channel)));
    }
  }
  return cache_.insert_or_assign(std::move(key), std::move(loaded)).first->second;
}

// Resolves the delivery's webhook and channel as they are now; cancels deliveries whose webhook
// was deleted, or that WhyUnsendable says cannot be sent (the webhook paused, the channel
// removed or disabled, the SMS number removed, a notice on what is now a webhook channel): none
// of these could succeed on a retry.
void Dispatcher::Admit(Delivery d) {
  const Loaded& loaded = Load(d);
  std::string why;
  if (absl::IsNotFound(loaded.status)) {
    why = "webhook deleted";
  } else if (!loaded.status.ok()) {
    std::fprintf(stderr, "level=error msg=\"cannot load webhook\" error=\"%s\"\n",
                 std::string(loaded.status.message()).c_str());
    cache_.erase(d.internal_id + "/" + d.webhook_id);  // not kept: retried on a later step
    return;
  } else {
    why = CancelReason(WhyUnsendable(d, loaded.is_active, loaded.shapes));
  }
  std::lock_guard<std::mutex> lock(mu_);
  known_.insert(d.delivery_id);
  if (!why.empty()) {
    AttemptOutcome o;
    o.attempt.internal_id = d.internal_id;
    o.attempt.webhook_id = d.webhook_id;
    o.taken_due_ms = d.next_attempt_ms;
    o.delivery = std::move(d);
    o.delivery.state = DeliveryState::kCancelled;
    sink_(std::move(o));
    return;
  }
  const std::string& endpoint = loaded.endpoints[d.channel_index];
  if (group_endpoint_.size() >= options_.max_groups) group_endpoint_.clear();
  group_endpoint_[DueGroup(d)] = endpoint;
  std::deque<Job>& queue = waiting_[endpoint];
  if (queue.size() >= WaitingCap(endpoint)) {
    known_.erase(d.delivery_id);  // stays in the durable queue, taken once the endpoint drains
    MarkBackloggedLocked(endpoint);
    return;
  }
  std::shared_ptr<const Channel> channel = loaded.channels[d.channel_index];
  queue.push_back(Job{std::move(d), std::move(channel), endpoint});
}

// Debian's absl::string_view is its own type, hence the conversions.
std::string Dispatcher::GroupEndpointLocked(std::string_view group) const {
  if (group.empty()) return "";
  auto g = group_endpoint_.find(absl::string_view(group.data(), group.size()));
  return g == group_endpoint_.end() ? "" : g->second;
}

size_t Dispatcher::WaitingLocked(const std::string& endpoint) const {
  auto q = waiting_.find(endpoint);
  return q == waiting_.end() ? 0 : q->second.size();
}

void Dispatcher::MarkBackloggedLocked(const std::string& endpoint) {
  // Forgetting all of them only delays their refills to the next scan asked for otherwise.
  if (backlogged_.size() >= options_.max_groups && !backlogged_.contains(endpoint)) {
    backlogged_.clear();
  }
  backlogged_.insert(endpoint);
}

size_t Dispatcher::WaitingCap(std::string_view endpoint) const {
  if (breaker_.IsOpen(endpoint)) return 1;
  return IsPacedEndpoint(endpoint)
             ? std::min<size_t>(kPacedWaiting, options_.max_waiting_per_endpoint)
             : options_.max_waiting_per_endpoint;
}

size_t Dispatcher::ConcurrencyCap(std::string_view endpoint) const {
  return breaker_.IsOpen(endpoint) ? 1 : options_.per_endpoint_concurrency;
}

void Dispatcher::ShedWaiting(const std::string& endpoint) {
  std::lock_guard<std::mutex> lock(mu_);
  auto q = waiting_.find(endpoint);
  if (q == waiting_.end()) return;
  while (q->second.size() > WaitingCap(endpoint)) {
    known_.erase(q->second.back().delivery.delivery_id);
    q->second.pop_back();
  }
}

absl::StatusOr<size_t> Dispatcher::Take(size_t room, DeliveryStore::DueScan* scan) {
  absl::StatusOr<std::vector<Delivery>> due;
  {
    // One lock for the whole scan (its entries are checked back to back). An endpoint's room
    // counts what this scan took for it already: a delivery read beyond its waiting cap would
    // only be dropped again by Admit (the scan's entries are admitted after it). The answer for
    // a group is reused while the entries of one group follow each other.
    std::lock_guard<std::mutex> lock(mu_);
    absl::flat_hash_map<std::string, size_t> taken;  // endpoint -> taken by this scan
    std::string last_group, endpoint;
    bool full = false;
    due = deliveries_.Due(
        NowMs(), room,
        [&](std::string_view id, std::string_view group) {
          if (group.empty() || group != last_group) {
            last_group.assign(group);
            endpoint = GroupEndpointLocked(group);
            full = false;
          }
          if (full || known_.contains(absl::string_view(id.data(), id.size()))) return true;
          if (endpoint.empty()) return false;  // not learned yet: Admit decides
          size_t& n = taken[endpoint];
          full = WaitingLocked(endpoint) + n >= WaitingCap(endpoint);
          if (full) MarkBackloggedLocked(endpoint);
          n += full ? 0 : 1;
          return full;
        },
        scan);
  }
  if (!due.ok()) return due.status();
  for (Delivery& d : *due) Admit(std::move(d));
  return due->size();
}

absl::StatusOr<size_t> Dispatcher::Step(bool scan) {
  size_t room = 0;
  if (scan) {
    std::lock_guard<std::mutex> lock(mu_);
    room = options_.max_known > known_.size() ? options_.max_known - known_.size() : 0;
    room = std::min(room, options_.max_admit_per_step);
  }
  if (room > 0) {
    if (absl::Status st = RefreshCache(); !st.ok()) return st;
    // The earliest due first (retries, a drained endpoint's backlog), then the sweep, which
    // reaches deliveries queued behind a saturated endpoint's long backlog.
    DeliveryStore::DueScan head{"", options_.max_head_scan};
    sweep_.max_scan = options_.max_scan;
    absl::StatusOr<size_t> taken = Take(room, &head);
    if (taken.ok() && *taken < room) taken = Take(room - *taken, &sweep_);
    if (!taken.ok()) return taken.status();
  }
  std::vector<Job> start;
  bool refill = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::lock_guard<std::mutex> slots(slots_mu_);
    const int64_t now_us = NowUs();
    paced_until_us_ = std::numeric_limits<int64_t>::max();
    size_t held = 0;
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      held += TakeStartableLocked(it, start, now_us) != Hold::kNone ? 1 : 0;
      // A paced endpoint keeps few deliveries here: it is refilled as it drains, not only when
      // an answer asks (StartNext).
      if (IsPacedEndpoint(it->first) && it->second.size() < WaitingCap(it->first) &&
          backlogged_.erase(it->first) > 0) {
        refill = true;
      }
      it = it->second.empty() ? waiting_.erase(it) : std::next(it);
    }
    paced_held_.store(held, std::memory_order_relaxed);
  }
  if (refill && options_.wake) options_.wake(true);
  for (Job& job : start) Send(std::move(job));
  return start.size();
}

}  // namespace webhooks
