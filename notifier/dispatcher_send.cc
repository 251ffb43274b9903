// Dispatcher, starting and sending: what may start now (caps and pace), the start after an
// answer, the request through the SSRF guard to the transport, and the answer's outcome.
#include <algorithm>
#include <cstdio>

#include "model/event_types.h"
#include "notifier/dispatcher.h"
#include "notifier/endpoint_key.h"

namespace webhooks {

Dispatcher::Hold Dispatcher::TakeStartableLocked(
    std::map<std::string, std::deque<Job>>::iterator it, std::vector<Job>& start, int64_t now_us) {
  size_t& busy = busy_[it->first];
  const size_t cap = ConcurrencyCap(it->first);
  while (busy < cap && !it->second.empty()) {
    const uint32_t rate = RateLimit(*it->second.front().channel);
    if (rate != 0 && launching_.contains(it->first)) return Hold::kLaunching;
    if (!pacer_.TryStart(it->first, rate, now_us)) {
      paced_until_us_ = std::min(paced_until_us_, pacer_.NextStartUs(it->first, now_us));
      return Hold::kPace;
    }
    if (rate != 0) launching_.insert(it->first);
    start.push_back(std::move(it->second.front()));
    it->second.pop_front();
    ++busy;
    ++in_flight_;
  }
  return Hold::kNone;
}

void Dispatcher::StartNext(const std::string& endpoint) {
  // Set while this thread sends what it took: an attempt failing at once (a refused target)
  // completes inside that send, and leaves its start to the dispatch loop instead of recursing.
  thread_local bool starting = false;
  std::unique_lock<std::mutex> lock(mu_, std::try_to_lock);
  if (starting || !lock.owns_lock()) {
    options_.wake(false);
    return;
  }
  std::vector<Job> start;
  bool paced = false;
  {
    std::lock_guard<std::mutex> slots(slots_mu_);
    if (auto it = waiting_.find(endpoint); it != waiting_.end()) {
      paced = TakeStartableLocked(it, start, NowUs()) == Hold::kPace;
      if (it->second.empty()) waiting_.erase(it);
    }
  }
  // One request per scan that found the endpoint full: that scan's refill sets it again.
  const bool refill =
      WaitingLocked(endpoint) < WaitingCap(endpoint) && backlogged_.erase(endpoint) > 0;
  lock.unlock();
  if (refill) {
    options_.wake(true);
  } else if (paced) {
    options_.wake(false);  // the dispatch loop learns when this endpoint may start again
  }
  starting = true;
  for (Job& job : start) Send(std::move(job));
  starting = false;
}

void Dispatcher::Send(Job job) {
  // The envelope moves into the context and back: BuildRequest reads it, the outcome keeps it.
  DeliveryContext ctx{job.delivery.delivery_id, std::move(job.delivery.envelope_json),
                      NowMs() / 1000, job.delivery.target_index,
                      job.delivery.event_type == kChannelDisabledEventType};
  absl::StatusOr<Outbound> request = BuildRequest(*job.channel, ctx, options_.endpoints);
  job.delivery.envelope_json = std::move(ctx.envelope_json);
  if (!request.ok()) {
    Launched(job);
    TransportResult r;
    r.error = "cannot build request: " + std::string(request.status().message());
    Complete(std::move(job), r, /*sent=*/false);
    return;
  }
  const auto* http = std::get_if<OutboundHttp>(&*request);
  if (http == nullptr || !http->guard_target) {
    Launched(job);
    Submit(std::move(job), *std::move(request), "");
    return;
  }
  // Through the SSRF guard: at once when the endpoint's answer is cached, else once resolved.
  const std::string key = job.endpoint.empty() ? http->url : job.endpoint;
  const std::string url = http->url;
  resolver_.Resolve(key, url,
                    [this, job = std::move(job),
                     request = *std::move(request)](absl::StatusOr<std::string> address) mutable {
                      Launched(job);
                      if (!address.ok()) {
                        TransportResult r;
                        r.error = std::string(address.status().message());
                        Complete(std::move(job), r, /*sent=*/false);
                        return;
                      }
                      Submit(std::move(job), std::move(request), *std::move(address));
                    });
}

void Dispatcher::Launched(const Job& job) {
  const uint32_t rate = RateLimit(*job.channel);
  if (rate == 0) return;
  {
    std::lock_guard<std::mutex> slots(slots_mu_);
    launching_.erase(job.endpoint);
    pacer_.Restamp(job.endpoint, rate, NowUs());
  }
  if (options_.wake) StartNext(job.endpoint);
}

void Dispatcher::Submit(Job job, Outbound request, std::string pinned_address) {
  transport_.Submit(
      std::move(request), std::move(pinned_address),
      [this, job = std::move(job)](TransportResult r) mutable { Complete(std::move(job), r); });
}

void Dispatcher::Complete(Job job, const TransportResult& result, bool sent) {
  Verdict verdict = Interpret(*job.channel, result);
  const auto change = sent ? breaker_.Record(job.endpoint, EndpointBreaker::Answered(result))
                           : EndpointBreaker::Change::kNone;
  switch (change) {
    case EndpointBreaker::Change::kOpened:
      std::fprintf(stderr,
                   "level=warn msg=\"endpoint not answering; one attempt at a time until it "
                   "answers\" endpoint=\"%s\"\n",
                   job.endpoint.c_str());
      ShedWaiting(job.endpoint);
      break;
    case EndpointBreaker::Change::kClosed:
      std::fprintf(stderr, "level=info msg=\"endpoint answers again\" endpoint=\"%s\"\n",
                   job.endpoint.c_str());
      break;
    case EndpointBreaker::Change::kNone:
      break;
  }
  double unit;
  {
    std::lock_guard<std::mutex> lock(slots_mu_);
    --busy_[job.endpoint];
    --in_flight_;
    unit = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  }
  sink_(DecideOutcome(std::move(job.delivery), *job.channel, result, verdict, schedule_, clock_(),
                      unit));
  if (options_.wake) StartNext(job.endpoint);
}

}  // namespace webhooks
