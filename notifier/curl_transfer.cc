#include "notifier/curl_transfer.h"

#include <strings.h>

#include <algorithm>
#include <string_view>

namespace webhooks::curl_transfer {
namespace {

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

}  // namespace

std::string ResolveEntryCache::Get(const std::string& url, const std::string& address) {
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

void Prepare(Transfer* t, const std::string& pinned, ResolveEntryCache& pins) {
  if (const auto* r = std::get_if<OutboundHttp>(&t->request)) {
    // libcurl asks for "Expect: 100-continue" (a round trip before the body) when a body is
    // larger than 1 KiB (older versions) or 1 MiB (newer); an empty "Expect:" turns that off.
    // Smaller bodies go without it: libcurl compares every custom header against a dozen names
    // for each request, so one line fewer is measurable.
    constexpr std::string_view kNoExpect = "Expect:";
    const bool no_expect = r->body.size() > 1024;
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
    if (no_expect) {
      starts.push_back(lines.size());
      lines.append(kNoExpect).push_back('\0');
    }
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

}  // namespace webhooks::curl_transfer
