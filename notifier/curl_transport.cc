#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "notifier/transport.h"

namespace webhooks {
namespace {

struct Transfer {
  Outbound request;
  Transport::Callback done;
  TransportResult result;
  curl_slist* headers = nullptr;
  curl_slist* recipients = nullptr;
  curl_slist* resolve = nullptr;
  size_t upload_offset = 0;
  std::chrono::steady_clock::time_point started;
  ~Transfer() {
    curl_slist_free_all(headers);
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

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string line(data, size * n);
  size_t colon = line.find(':');
  if (colon != std::string::npos && t->result.headers.size() < 64) {
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    value.erase(value.find_last_not_of(" \t\r\n") + 1);
    t->result.headers[name] = value.substr(0, 1024);
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

void ConfigureHttp(CURL* e, Transfer* t, const OutboundHttp& r, const std::string& pinned) {
  curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_POST, 1L);
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.body.data());
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
  for (const auto& [name, value] : r.headers) {
    t->headers = curl_slist_append(t->headers, (name + ": " + value).c_str());
  }
  t->headers = curl_slist_append(t->headers, "Expect:");
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
  if (r.basic_auth) {
    curl_easy_setopt(e, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(e, CURLOPT_USERNAME, r.basic_auth->first.c_str());
    curl_easy_setopt(e, CURLOPT_PASSWORD, r.basic_auth->second.c_str());
  }
  if (!pinned.empty()) {
    std::string entry = ResolveEntry(r.url, pinned);
    if (!entry.empty()) {  // empty: the URL's host is the vetted address itself
      t->resolve = curl_slist_append(t->resolve, entry.c_str());
      curl_easy_setopt(e, CURLOPT_RESOLVE, t->resolve);
    }
  }
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(r.timeout_seconds * 1000));
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
}

void ConfigureMail(CURL* e, Transfer* t, const OutboundMail& m) {
  curl_easy_setopt(e, CURLOPT_URL, m.smtp_url.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(e, CURLOPT_MAIL_FROM, ("<" + m.from + ">").c_str());
  for (const std::string& rcpt : m.recipients) {
    t->recipients = curl_slist_append(t->recipients, ("<" + rcpt + ">").c_str());
  }
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
    for (CURL* e : spare_) curl_easy_cleanup(e);
    curl_multi_cleanup(multi_);
  }

  void Submit(Outbound request, std::string pinned_address, Callback done) override {
    auto t = std::make_unique<Transfer>();
    t->request = std::move(request);
    t->done = std::move(done);
    std::lock_guard<std::mutex> lock(mu_);
    incoming_.emplace_back(std::move(t), std::move(pinned_address));
    // One wake-up per batch: the loop takes everything queued when it wakes.
    if (incoming_.size() == 1) curl_multi_wakeup(multi_);
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
  void Start(std::unique_ptr<Transfer> t, const std::string& pinned) {
    CURL* e = nullptr;
    if (spare_.empty()) {
      e = curl_easy_init();
    } else {
      e = spare_.back();
      spare_.pop_back();
    }
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
    if (const auto* http = std::get_if<OutboundHttp>(&t->request)) {
      ConfigureHttp(e, t.get(), *http, pinned);
    } else {
      ConfigureMail(e, t.get(), std::get<OutboundMail>(t->request));
    }
    t->started = std::chrono::steady_clock::now();
    curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
    curl_multi_add_handle(multi_, e);
    active_.insert(e);
    t.release();  // owned by the easy handle until Finish
  }

  void Finish(CURL* e, CURLcode code) {
    Transfer* raw = nullptr;
    curl_easy_getinfo(e, CURLINFO_PRIVATE, &raw);
    std::unique_ptr<Transfer> t(raw);
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    t->result.status_code = static_cast<int>(status);
    if (code != CURLE_OK && !(std::holds_alternative<OutboundMail>(t->request) && status >= 400)) {
      t->result.error = curl_easy_strerror(code);
      t->result.timed_out = code == CURLE_OPERATION_TIMEDOUT;
    }
    t->result.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - t->started)
                                .count();
    curl_multi_remove_handle(multi_, e);
    active_.erase(e);
    if (spare_.size() < kMaxSpareHandles) {
      curl_easy_reset(e);  // forgets every option (and the Transfer); connections stay cached
      spare_.push_back(e);
    } else {
      curl_easy_cleanup(e);
    }
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
    for (;;) {
      std::deque<std::pair<std::unique_ptr<Transfer>, std::string>> batch;
      bool stopping;
      {
        std::lock_guard<std::mutex> lock(mu_);
        stopping = stopping_;
        if (!stopping) batch.swap(incoming_);
      }
      for (auto& [t, pinned] : batch) Start(std::move(t), pinned);
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
  std::mutex mu_;
  std::deque<std::pair<std::unique_ptr<Transfer>, std::string>> incoming_;  // GUARDED_BY(mu_)
  bool stopping_ = false;                                                   // GUARDED_BY(mu_)
  std::chrono::steady_clock::time_point deadline_;                          // GUARDED_BY(mu_)
  std::set<CURL*> active_;    // owned by the loop thread
  std::vector<CURL*> spare_;  // owned by the loop thread; reset handles for reuse
  std::thread thread_;
};

}  // namespace

std::unique_ptr<Transport> NewCurlTransport() { return std::make_unique<CurlTransport>(); }

}  // namespace webhooks
