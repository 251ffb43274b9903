#include <curl/curl.h>
#include <strings.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "notifier/transport.h"

namespace webhooks {
namespace {

struct Transfer {
  Outbound request;
  Transport::Callback done;
  TransportResult result;
  // The request headers as a libcurl list, built in place (libcurl only reads the list): the
  // lines, NUL-separated, in one buffer, and one node per line. One allocation each instead of
  // two per header with curl_slist_append, freed on another thread than they were made on.
  std::string header_lines;
  std::vector<curl_slist> header_nodes;
  curl_slist* recipients = nullptr;
  curl_slist* resolve = nullptr;
  size_t upload_offset = 0;
  std::chrono::steady_clock::time_point started;
  ~Transfer() {
    curl_slist_free_all(recipients);
    curl_slist_free_all(resolve);
  }
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t room = kMaxResponseExcerpt - std::min(kMaxResponseExcerpt, t->result.body.size());
  t->result.body.append(data, std::min(room, size * n));
  return size * n;
}

// Keeps only the response headers a verdict reads (Retry-After), without allocating for the
// others: this runs for every header line of every response.
size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  constexpr std::string_view kRetryAfter = "retry-after:";
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  if (line.size() > kRetryAfter.size() &&
      strncasecmp(line.data(), kRetryAfter.data(), kRetryAfter.size()) == 0) {
    std::string_view value = line.substr(kRetryAfter.size());
    value.remove_prefix(std::min(value.size(), value.find_first_not_of(" \t")));
    value = value.substr(0, value.find_last_not_of(" \t\r\n") + 1);
    t->result.headers["retry-after"] = std::string(value.substr(0, 1024));
  }
  return size * n;
}

size_t OnUpload(char* buf, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string& msg = std::get<OutboundMail>(t->request).message;
  size_t len = std::min(size * n, msg.size() - t->upload_offset);
  std::copy_n(msg.data() + t->upload_offset, len, buf);
  t->upload_offset += len;
  return len;
}

// "host:port:address" for CURLOPT_RESOLVE, from the URL and the vetted address; "" when the
// URL's host is that address already (an IP literal needs no pinning: nothing is resolved).
std::string ResolveEntry(const std::string& url, const std::string& address) {
  CURLU* u = curl_url();
  std::string entry;
  char* host = nullptr;
  char* port = nullptr;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
    std::string h = host;
    if (!h.empty() && h.front() == '[') h = h.substr(1, h.size() - 2);
    bool v6 = address.find(':') != std::string::npos;
    if (h != address) entry = h + ":" + port + ":" + (v6 ? "[" + address + "]" : address);
  }
  curl_free(host);
  curl_free(port);
  curl_url_cleanup(u);
  return entry;
}

// ResolveEntry's answers, remembered by (URL, address): parsing the URL was about a quarter of
// the dispatch thread's work per delivery. Thread-safe (Submit runs on the dispatcher's thread
// and on the guard resolver's).
class ResolveEntryCache {
 public:
  std::string Get(const std::string& url, const std::string& address) {
    std::string key = url;
    key.push_back('\0');  // in neither a URL nor an address
    key.append(address);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (auto it = entries_.find(key); it != entries_.end()) return it->second;
    }
    std::string entry = ResolveEntry(url, address);
    std::lock_guard<std::mutex> lock(mu_);
    if (entries_.size() >= kMaxEntries) entries_.clear();
    entries_.emplace(std::move(key), entry);
    return entry;
  }

 private:
  static constexpr size_t kMaxEntries = 4096;
  std::mutex mu_;
  absl::flat_hash_map<std::string, std::string> entries_;  // GUARDED_BY(mu_)
};

// The request headers, the SSRF pin and the recipients as libcurl lists. Runs on the caller's
// thread (Submit), so the transport's thread only hands the transfer to libcurl.
void Prepare(Transfer* t, const std::string& pinned, ResolveEntryCache& pins) {
  if (const auto* r = std::get_if<OutboundHttp>(&t->request)) {
    constexpr std::string_view kNoExpect = "Expect:";  // no "Expect: 100-continue" round trip
    size_t size = kNoExpect.size() + 1;
    for (const auto& [name, value] : r->headers) size += name.size() + value.size() + 3;
    std::string& lines = t->header_lines;
    lines.reserve(size);
    std::vector<size_t> starts;
    starts.reserve(r->headers.size() + 1);
    for (const auto& [name, value] : r->headers) {
      starts.push_back(lines.size());
      lines.append(name).append(": ").append(value).push_back('\0');
    }
    starts.push_back(lines.size());
    lines.append(kNoExpect).push_back('\0');
    t->header_nodes.resize(starts.size());  // the buffer is complete: its address is final
    for (size_t i = 0; i < starts.size(); ++i) {
      t->header_nodes[i].data = lines.data() + starts[i];
      t->header_nodes[i].next = i + 1 < starts.size() ? &t->header_nodes[i + 1] : nullptr;
    }
    std::string entry = pinned.empty() ? "" : pins.Get(r->url, pinned);
    // empty: no pin, or the URL's host is the vetted address itself
    if (!entry.empty()) t->resolve = curl_slist_append(t->resolve, entry.c_str());
    return;
  }
  for (const std::string& rcpt : std::get<OutboundMail>(t->request).recipients) {
    t->recipients = curl_slist_append(t->recipients, ("<" + rcpt + ">").c_str());
  }
}

// Options every HTTP transfer shares: set once per easy handle, which keeps them while it is
// reused for HTTP (ConfigureHttp sets the rest, all of it, every time).
void ConfigureHttpHandle(CURL* e) {
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  // No proxy, whatever http_proxy / https_proxy / all_proxy say: a proxy would connect to the
  // host itself and bypass the SSRF guard's pinned address.
  curl_easy_setopt(e, CURLOPT_PROXY, "");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_POST, 1L);
  curl_easy_setopt(e, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
}

// The per-request options of an HTTP transfer on a handle set up by ConfigureHttpHandle.
void ConfigureHttp(CURL* e, Transfer* t, const OutboundHttp& r) {
  curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.body.data());
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->header_nodes.data());
  curl_easy_setopt(e, CURLOPT_USERNAME, r.basic_auth ? r.basic_auth->first.c_str() : nullptr);
  curl_easy_setopt(e, CURLOPT_PASSWORD, r.basic_auth ? r.basic_auth->second.c_str() : nullptr);
  curl_easy_setopt(e, CURLOPT_RESOLVE, t->resolve);  // nullptr: no pin for this transfer
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(r.timeout_seconds * 1000));
  curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
}

// A mail transfer, on a fresh or reset handle (reset again once it is done).
void ConfigureMail(CURL* e, Transfer* t, const OutboundMail& m) {
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PROXY, "");
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
  curl_easy_setopt(e, CURLOPT_URL, m.smtp_url.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(e, CURLOPT_MAIL_FROM, ("<" + m.from + ">").c_str());
  curl_easy_setopt(e, CURLOPT_MAIL_RCPT, t->recipients);
  curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(e, CURLOPT_READFUNCTION, OnUpload);
  curl_easy_setopt(e, CURLOPT_READDATA, t);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(m.timeout_seconds * 1000));
}

// Idle connections kept open for reuse, and finished easy handles kept for the next transfer.
// libcurl's default cache holds 4 connections per easy handle currently added, so it closed
// keep-alive connections whenever fewer transfers were running.
constexpr long kMaxIdleConnections = 256;
constexpr size_t kMaxSpareHandles = 256;

class CurlTransport final : public Transport {
 public:
  CurlTransport() : multi_(curl_multi_init()) {
    curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, kMaxIdleConnections);
    thread_ = std::thread([this] { Loop(); });
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
    // One wake-up per batch: the loop takes everything queued when it wakes.
    if (first) curl_multi_wakeup(multi_);
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
      curl_multi_poll(multi_, nullptr, 0, 100, nullptr);
    }
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
    for (size_t i = 0; i < n; ++i) shards_.push_back(std::make_unique<CurlTransport>());
  }
  void Submit(Outbound request, std::string pinned_address, Callback done) override {
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
  if (threads <= 1) return std::make_unique<CurlTransport>();
  return std::make_unique<ShardedTransport>(threads);
}

}  // namespace webhooks
