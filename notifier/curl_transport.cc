// libcurl multi transport: one thread per shard, each driving its own multi handle.
#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "common/thread_name.h"
#include "notifier/curl_transfer.h"
#include "notifier/transport.h"

namespace webhooks {
namespace {

using curl_transfer::ConfigureHttp;
using curl_transfer::ConfigureHttpHandle;
using curl_transfer::ConfigureMail;
using curl_transfer::Prepare;
using curl_transfer::ResolveEntryCache;
using curl_transfer::Transfer;

// Idle connections kept open for reuse, and finished easy handles kept for the next transfer.
// libcurl's default cache holds 4 connections per easy handle currently added, so it closed
// keep-alive connections whenever fewer transfers were running.
constexpr long kMaxIdleConnections = 256;
constexpr size_t kMaxSpareHandles = 256;

class CurlTransport;
// The transport whose loop runs on this thread (its callbacks run here), if any.
thread_local const CurlTransport* t_loop = nullptr;

class CurlTransport final : public Transport {
 public:
  // `name`: the send thread's (NameThisThread).
  explicit CurlTransport(std::string name) : multi_(curl_multi_init()) {
    curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, kMaxIdleConnections);
    thread_ = std::thread([this, name = std::move(name)] {
      NameThisThread(name);
      Loop();
    });
  }
  ~CurlTransport() override {
    Drain(std::chrono::milliseconds(0));
    for (CURL* e : spare_http_) curl_easy_cleanup(e);
    for (CURL* e : spare_) curl_easy_cleanup(e);
    curl_multi_cleanup(multi_);
  }

  void Submit(Outbound request, std::string pinned_address, Callback done) override {
    auto t = std::make_unique<Transfer>();
    t->request = std::move(request);
    t->done = std::move(done);
    Prepare(t.get(), pinned_address, pins_);
    bool first = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      incoming_.push_back(std::move(t));
      first = incoming_.size() == 1;
    }
    // One wake-up per batch: the loop takes everything queued when it wakes. A callback of
    // this loop submitting needs none: the loop looks at the queue before it sleeps.
    if (first && t_loop != this) curl_multi_wakeup(multi_);
  }

  void Drain(std::chrono::milliseconds grace) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      stopping_ = true;
      deadline_ = std::chrono::steady_clock::now() + grace;
      curl_multi_wakeup(multi_);
    }
    thread_.join();
  }

 private:
  // A handle for `t`: HTTP transfers reuse a handle that carried HTTP before (only the
  // per-request options change); mail gets a fresh or reset one.
  CURL* HandleFor(Transfer* t) {
    const auto* http = std::get_if<OutboundHttp>(&t->request);
    CURL* e = nullptr;
    if (http != nullptr && !spare_http_.empty()) {
      e = spare_http_.back();
      spare_http_.pop_back();
      ConfigureHttp(e, t, *http);
      return e;
    }
    if (spare_.empty()) {
      e = curl_easy_init();
    } else {
      e = spare_.back();
      spare_.pop_back();
    }
    if (http != nullptr) {
      ConfigureHttpHandle(e);
      ConfigureHttp(e, t, *http);
    } else {
      ConfigureMail(e, t, std::get<OutboundMail>(t->request));
    }
    return e;
  }

  void Start(std::unique_ptr<Transfer> t) {
    CURL* e = HandleFor(t.get());
    t->started = std::chrono::steady_clock::now();
    curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
    curl_multi_add_handle(multi_, e);
    active_.insert(e);
    t.release();  // owned by the easy handle until Finish
  }

  // Keeps a finished handle for reuse (its connection stays in the multi's cache).
  void Recycle(CURL* e, bool http) {
    if (http && spare_http_.size() < kMaxSpareHandles) {
      spare_http_.push_back(e);
    } else if (!http && spare_.size() < kMaxSpareHandles) {
      curl_easy_reset(e);  // forgets the mail options (and the Transfer)
      spare_.push_back(e);
    } else {
      curl_easy_cleanup(e);
    }
  }

  void Finish(CURL* e, CURLcode code) {
    Transfer* raw = nullptr;
    curl_easy_getinfo(e, CURLINFO_PRIVATE, &raw);
    std::unique_ptr<Transfer> t(raw);
    const bool mail = std::holds_alternative<OutboundMail>(t->request);
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    t->result.status_code = static_cast<int>(status);
    if (code != CURLE_OK && !(mail && status >= 400)) {
      t->result.error = curl_easy_strerror(code);
      t->result.timed_out = code == CURLE_OPERATION_TIMEDOUT;
    }
    t->result.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - t->started)
                                .count();
    curl_multi_remove_handle(multi_, e);
    active_.erase(e);
    Recycle(e, !mail);
    t->done(std::move(t->result));
  }

  // Drops every transfer still running or queued, without calling back.
  void Abandon() {
    for (CURL* h : active_) {
      Transfer* raw = nullptr;
      curl_easy_getinfo(h, CURLINFO_PRIVATE, &raw);
      curl_multi_remove_handle(multi_, h);
      curl_easy_cleanup(h);
      delete raw;
    }
    active_.clear();
    std::lock_guard<std::mutex> lock(mu_);
    incoming_.clear();
  }

  void Loop() {
    t_loop = this;
    std::deque<std::unique_ptr<Transfer>> batch;
    for (;;) {
      bool stopping;
      {
        std::lock_guard<std::mutex> lock(mu_);
        stopping = stopping_;
        if (!stopping) batch.swap(incoming_);
      }
      for (std::unique_ptr<Transfer>& t : batch) Start(std::move(t));
      batch.clear();
      int running = 0;
      curl_multi_perform(multi_, &running);
      int left = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
        if (msg->msg == CURLMSG_DONE) Finish(msg->easy_handle, msg->data.result);
      }
      if (stopping && (running == 0 || std::chrono::steady_clock::now() >= deadline_)) {
        Abandon();
        return;
      }
      if (!SubmittedHere()) curl_multi_poll(multi_, nullptr, 0, 100, nullptr);
    }
  }

  // Whether callbacks of this loop submitted requests it has not started yet (they did not
  // wake it).
  bool SubmittedHere() {
    std::lock_guard<std::mutex> lock(mu_);
    return !stopping_ && !incoming_.empty();
  }

  CURLM* multi_;
  ResolveEntryCache pins_;
  std::mutex mu_;
  std::deque<std::unique_ptr<Transfer>> incoming_;  // GUARDED_BY(mu_); prepared by Submit
  bool stopping_ = false;                           // GUARDED_BY(mu_)
  std::chrono::steady_clock::time_point deadline_;  // GUARDED_BY(mu_)
  // Owned by the loop thread: running handles, and finished ones kept for reuse (HTTP ones
  // still configured for HTTP, the others reset).
  absl::flat_hash_set<CURL*> active_;
  std::vector<CURL*> spare_http_;
  std::vector<CURL*> spare_;
  std::thread thread_;
};

// Several CurlTransports, each with its own thread, multi handle and connection cache;
// requests go to them in turn.
class ShardedTransport final : public Transport {
 public:
  explicit ShardedTransport(size_t n) {
    for (size_t i = 0; i < n; ++i) {
      shards_.push_back(std::make_unique<CurlTransport>("wh-send-" + std::to_string(i)));
    }
  }
  // A request submitted from a shard's own callback (the next delivery of an endpoint that
  // just answered) stays on that shard: no other loop needs waking.
  void Submit(Outbound request, std::string pinned_address, Callback done) override {
    for (auto& shard : shards_) {
      if (t_loop == shard.get()) {
        shard->Submit(std::move(request), std::move(pinned_address), std::move(done));
        return;
      }
    }
    size_t i = next_.fetch_add(1, std::memory_order_relaxed) % shards_.size();
    shards_[i]->Submit(std::move(request), std::move(pinned_address), std::move(done));
  }
  // One deadline for all: the shards still running keep sending while the first drains.
  void Drain(std::chrono::milliseconds grace) override {
    const auto deadline = std::chrono::steady_clock::now() + grace;
    for (auto& shard : shards_) {
      shard->Drain(std::max(std::chrono::milliseconds(0),
                            std::chrono::duration_cast<std::chrono::milliseconds>(
                                deadline - std::chrono::steady_clock::now())));
    }
  }

 private:
  std::vector<std::unique_ptr<CurlTransport>> shards_;
  std::atomic<size_t> next_{0};
};

}  // namespace

std::unique_ptr<Transport> NewCurlTransport(size_t threads) {
  if (threads <= 1) return std::make_unique<CurlTransport>("wh-send-0");
  return std::make_unique<ShardedTransport>(threads);
}

}  // namespace webhooks
