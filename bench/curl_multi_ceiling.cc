// curl_multi_ceiling: the delivery ceiling for bench/notifier_bench.sh. A plain libcurl-multi
// client that POSTs N copies of an event-envelope-shaped JSON body (~300 bytes) to one URL over
// keep-alive connections, at most C requests in flight, and prints the rate.
//
//   curl_multi_ceiling --url http://127.0.0.1:PORT/hook [--count N] [--concurrency C]
//                      [--header "Name: value"]... [--body JSON]
//
// --body replaces the built-in body and --header adds request headers: the benchmark also uses
// this client to append a backlog of events through POST /v1/events.
//
// Output (stdout):  requests N / ok N / seconds S / requests_per_sec R
#include <curl/curl.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

struct Slot {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
};

void Prepare(Slot& s, const std::string& url, const std::string& body) {
  curl_easy_setopt(s.easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(s.easy, CURLOPT_POST, 1L);
  curl_easy_setopt(s.easy, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(s.easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(s.easy, CURLOPT_HTTPHEADER, s.headers);
  curl_easy_setopt(s.easy, CURLOPT_WRITEFUNCTION, Discard);
  curl_easy_setopt(s.easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(s.easy, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(s.easy, CURLOPT_TCP_KEEPALIVE, 1L);
}

}  // namespace

int main(int argc, char** argv) {
  std::string url;
  long count = 10000;
  long concurrency = 64;
  std::vector<std::string> extra_headers;
  std::string custom_body;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--url") == 0) {
      url = argv[i + 1];
    } else if (std::strcmp(argv[i], "--count") == 0) {
      count = std::strtol(argv[i + 1], nullptr, 10);
    } else if (std::strcmp(argv[i], "--header") == 0) {
      extra_headers.emplace_back(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--body") == 0) {
      custom_body = argv[i + 1];
    } else if (std::strcmp(argv[i], "--concurrency") == 0) {
      concurrency = std::strtol(argv[i + 1], nullptr, 10);
    } else {
      std::fprintf(stderr, "curl_multi_ceiling: unknown flag %s\n", argv[i]);
      return 2;
    }
  }
  if (url.empty() || count <= 0 || concurrency <= 0) {
    std::fprintf(stderr, "usage: curl_multi_ceiling --url URL [--count N] [--concurrency C]\n");
    return 2;
  }
  if (concurrency > count) concurrency = count;

  // Same shape as the notifier's envelope for an object.created event.
  const std::string default_body =
      R"({"event_id":"evt_0123456789abcdefghijklmn","event_type":"object.created",)"
      R"("occurred_at":"2026-01-01T00:00:00.000Z","namespace_id":null,)"
      R"("subject":{"type":"object","id":"obj_0123456789"},)"
      R"("metadata":{"source":"bench","note":"curl_multi_ceiling body of about 300 bytes"},)"
      R"("cache_scope":null,"webhook_id":"wh_0123456789abcdefghij"})";
  const std::string body = custom_body.empty() ? default_body : custom_body;

  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, concurrency);
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, concurrency);

  std::vector<Slot> slots(static_cast<size_t>(concurrency));
  long started = 0, done = 0, ok = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (Slot& s : slots) {
    s.easy = curl_easy_init();
    s.headers = curl_slist_append(nullptr, "Content-Type: application/json");
    // As the notifier: no "Expect: 100-continue" round trip, a line sent for large bodies only.
    if (body.size() > 1024) s.headers = curl_slist_append(s.headers, "Expect:");
    for (const std::string& h : extra_headers) s.headers = curl_slist_append(s.headers, h.c_str());
    curl_easy_setopt(s.easy, CURLOPT_PRIVATE, &s);
    Prepare(s, url, body);
    curl_multi_add_handle(multi, s.easy);
    ++started;
  }
  int running = 0;
  while (done < count) {
    curl_multi_perform(multi, &running);
    int left = 0;
    while (CURLMsg* m = curl_multi_info_read(multi, &left)) {
      if (m->msg != CURLMSG_DONE) continue;
      CURL* e = m->easy_handle;
      long code = 0;
      curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
      if (m->data.result == CURLE_OK && code >= 200 && code < 300) ++ok;
      ++done;
      curl_multi_remove_handle(multi, e);
      if (started < count) {
        // Re-adding the same easy handle reuses its connection from the multi's pool.
        curl_multi_add_handle(multi, e);
        ++started;
      }
    }
    if (done < count) curl_multi_poll(multi, nullptr, 0, 100, nullptr);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("requests %ld\nok %ld\nseconds %.3f\nrequests_per_sec %.0f\n", done, ok, secs,
              secs > 0 ? static_cast<double>(done) / secs : 0.0);
  for (Slot& s : slots) {
    curl_easy_cleanup(s.easy);
    curl_slist_free_all(s.headers);
  }
  curl_multi_cleanup(multi);
  curl_global_cleanup();
  return ok == count ? 0 : 1;
}
