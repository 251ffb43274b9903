// CurlTransport against a loopback server. The SSRF pin: a request for a host name goes to the
// address the guard vetted, never to what libcurl would resolve by itself (the host name here
// resolves nowhere: .invalid, RFC 6761, so only the pin can reach the server). And the request
// head: no "Expect: 100-continue" round trip, whatever the body's size.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "notifier/transport.h"

namespace webhooks {
namespace {

// Answers `n` requests with 200 on one keep-alive connection or several, on 127.0.0.1:port;
// collects each request's head.
class TinyServer {
 public:
  explicit TinyServer(int n) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || listen(fd_, 8) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "cannot listen on loopback";
      return;
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this, n] { Serve(n); });
  }
  ~TinyServer() { Stop(); }
  int port() const { return port_; }
  // Stops accepting (a connection in progress ends when its client closes it) and waits.
  void Stop() {
    shutdown(fd_, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  const std::vector<std::string>& heads() const { return heads_; }  // after Stop

 private:
  void Serve(int n) {
    while (static_cast<int>(heads_.size()) < n) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string buf;
      char chunk[4096];
      while (static_cast<int>(heads_.size()) < n) {
        size_t end = buf.find("\r\n\r\n");
        if (end != std::string::npos) {  // the bodies here carry Content-Length
          size_t cl = buf.find("Content-Length: ");
          size_t body = cl == std::string::npos ? 0 : std::stoul(buf.substr(cl + 16));
          if (buf.size() >= end + 4 + body) {
            heads_.push_back(buf.substr(0, end));
            buf.erase(0, end + 4 + body);
            const char kOk[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
            if (write(c, kOk, sizeof(kOk) - 1) < 0) break;
            continue;
          }
        }
        ssize_t got = read(c, chunk, sizeof(chunk));
        if (got <= 0) break;
        buf.append(chunk, static_cast<size_t>(got));
      }
      close(c);
    }
  }
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::vector<std::string> heads_;
};

TransportResult Send(Transport& transport, const std::string& url, const std::string& pinned,
                     std::string body = R"({"pinned":true})") {
  OutboundHttp r;
  r.url = url;
  r.body = std::move(body);
  r.headers = {{"Content-Type", "application/json"}, {"webhook-id", "msg_pin"}};
  r.timeout_seconds = 5;
  std::promise<TransportResult> done;
  transport.Submit(r, pinned, [&](TransportResult result) { done.set_value(std::move(result)); });
  return done.get_future().get();
}

TEST(CurlPinTest, AHostNameGoesToTheVettedAddressEveryTime) {
  TinyServer server(3);
  const std::string url = "http://pinned-host.invalid:" + std::to_string(server.port()) + "/hook";
  std::unique_ptr<Transport> transport = NewCurlTransport(1);
  // Three times: the pin entry is remembered after the first request.
  for (int i = 0; i < 3; ++i) {
    TransportResult result = Send(*transport, url, "127.0.0.1");
    EXPECT_EQ(result.status_code, 200) << i << ": " << result.error;
    EXPECT_EQ(result.body, "ok");
  }
  transport->Drain(std::chrono::milliseconds(1000));  // closes its connections
  server.Stop();
  ASSERT_EQ(server.heads().size(), 3u);
  for (const std::string& head : server.heads()) {
    EXPECT_NE(head.find("Host: pinned-host.invalid:" + std::to_string(server.port())),
              std::string::npos)
        << head;
    EXPECT_NE(head.find("webhook-id: msg_pin"), std::string::npos) << head;
  }
}

// libcurl would otherwise send "Expect: 100-continue" before a large body and wait up to a
// second for an answer this server never sends.
TEST(CurlPinTest, NoBodyWaitsForA100Continue) {
  TinyServer server(2);
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/hook";
  std::unique_ptr<Transport> transport = NewCurlTransport(1);
  for (size_t size : {size_t{16}, size_t{2} << 20}) {  // 16 bytes, 2 MiB
    TransportResult result = Send(*transport, url, "", std::string(size, 'x'));
    EXPECT_EQ(result.status_code, 200) << size << ": " << result.error;
  }
  transport->Drain(std::chrono::milliseconds(1000));
  server.Stop();
  ASSERT_EQ(server.heads().size(), 2u);
  for (const std::string& head : server.heads()) {
    EXPECT_EQ(head.find("Expect"), std::string::npos) << head;
  }
}

}  // namespace
}  // namespace webhooks
