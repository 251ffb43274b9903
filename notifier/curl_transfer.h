// One libcurl transfer of the notifier's CurlTransport: the request as libcurl lists, and the
// easy-handle options of HTTP and mail transfers. Internal to notifier/curl_transport.cc.
#ifndef WEBHOOKS_NOTIFIER_CURL_TRANSFER_H_
#define WEBHOOKS_NOTIFIER_CURL_TRANSFER_H_

#include <curl/curl.h>

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "notifier/transport.h"

namespace webhooks::curl_transfer {

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

// ResolveEntry's answers, remembered by (URL, address): parsing the URL was about a quarter of
// the dispatch thread's work per delivery. Thread-safe (Submit runs on the dispatcher's thread
// and on the guard resolver's).
class ResolveEntryCache {
 public:
  // "host:port:address" for CURLOPT_RESOLVE, or "" when the URL's host is the address itself
  // (an IP literal needs no pinning: nothing is resolved).
  std::string Get(const std::string& url, const std::string& address);

 private:
  static constexpr size_t kMaxEntries = 4096;  // then all are forgotten
  std::mutex mu_;
  absl::flat_hash_map<std::string, std::string> entries_;  // GUARDED_BY(mu_)
};

// The request headers, the SSRF pin and the recipients as libcurl lists. Runs on the caller's
// thread (Submit), so the transport's thread only hands the transfer to libcurl.
void Prepare(Transfer* t, const std::string& pinned, ResolveEntryCache& pins);

// Options every HTTP transfer shares: set once per easy handle, which keeps them while it is
// reused for HTTP (ConfigureHttp sets the rest, all of it, every time).
void ConfigureHttpHandle(CURL* e);

// The per-request options of an HTTP transfer on a handle set up by ConfigureHttpHandle.
void ConfigureHttp(CURL* e, Transfer* t, const OutboundHttp& r);

// A mail transfer, on a fresh or reset handle (reset again once it is done).
void ConfigureMail(CURL* e, Transfer* t, const OutboundMail& m);

}  // namespace webhooks::curl_transfer

#endif  // WEBHOOKS_NOTIFIER_CURL_TRANSFER_H_
