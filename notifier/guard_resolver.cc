#include "notifier/guard_resolver.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "common/thread_name.h"

namespace webhooks {

struct GuardResolver::State {
  struct Entry {
    absl::StatusOr<std::string> answer;
    std::chrono::steady_clock::time_point expires;
  };
  State(ResolveFn r, Options o) : resolve(std::move(r)), options(o) {}
  void Work();

  const ResolveFn resolve;
  const Options options;
  std::mutex mu;
  std::condition_variable cv;
  absl::flat_hash_map<std::string, Entry> cache;                // GUARDED_BY(mu)
  absl::flat_hash_map<std::string, std::vector<Done>> waiting;  // GUARDED_BY(mu)
  std::deque<std::pair<std::string, std::string>> queue;        // GUARDED_BY(mu)
  size_t calling_back = 0;                                      // GUARDED_BY(mu)
  bool stopping = false;                                        // GUARDED_BY(mu)
};

void GuardResolver::State::Work() {
  std::unique_lock<std::mutex> lock(mu);
  for (;;) {
    cv.wait(lock, [&] { return stopping || !queue.empty(); });
    if (stopping) return;
    auto [key, url] = std::move(queue.front());
    queue.pop_front();
    lock.unlock();
    absl::StatusOr<std::string> answer = resolve(url);
    lock.lock();
    if (stopping) return;  // the owner is gone or going: call no one back
    const auto ttl = absl::IsUnavailable(answer.status()) ? options.failure_ttl : options.ttl;
    if (cache.size() >= options.max_entries) cache.clear();
    cache.insert_or_assign(key, Entry{answer, std::chrono::steady_clock::now() + ttl});
    std::vector<Done> waiters = std::move(waiting[key]);
    waiting.erase(key);
    ++calling_back;
    lock.unlock();
    for (Done& done : waiters) done(answer);
    lock.lock();
    --calling_back;
    cv.notify_all();
  }
}

GuardResolver::GuardResolver(ResolveFn resolve, Options options)
    : state_(std::make_shared<State>(std::move(resolve), options)) {
  for (size_t i = 0; i < std::max<size_t>(1, options.threads); ++i) {
    std::thread([state = state_] {
      NameThisThread("wh-resolver");
      state->Work();
    }).detach();
  }
}

GuardResolver::~GuardResolver() {
  std::unique_lock<std::mutex> lock(state_->mu);
  state_->stopping = true;
  state_->cv.notify_all();
  state_->cv.wait(lock, [&] { return state_->calling_back == 0; });
}

void GuardResolver::Resolve(const std::string& key, const std::string& url, Done done) {
  std::unique_lock<std::mutex> lock(state_->mu);
  auto it = state_->cache.find(key);
  if (it != state_->cache.end() && std::chrono::steady_clock::now() < it->second.expires) {
    absl::StatusOr<std::string> answer = it->second.answer;
    lock.unlock();
    done(std::move(answer));
    return;
  }
  std::vector<Done>& waiters = state_->waiting[key];
  waiters.push_back(std::move(done));
  if (waiters.size() == 1) {  // the first asker starts the resolution
    state_->queue.emplace_back(key, url);
    state_->cv.notify_one();
  }
}

}  // namespace webhooks
