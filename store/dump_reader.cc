#include "store/dump_reader.h"

#include <sys/types.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "store/dump_format.h"

namespace webhooks::dump {

LineReader::~LineReader() {
  if (file_ != nullptr) std::fclose(file_);
  std::free(buf_);
}

absl::Status LineReader::Open(const std::string& path) {
  file_ = std::fopen(path.c_str(), "rb");
  if (file_ == nullptr) {
    return absl::NotFoundError("cannot open " + path + ": " + std::strerror(errno));
  }
  std::setvbuf(file_, nullptr, _IOFBF, size_t{1} << 20);
  return absl::OkStatus();
}

std::optional<std::string_view> LineReader::Next(bool* complete) {
  errno = 0;
  ssize_t n = getline(&buf_, &cap_, file_);
  if (n < 0) {
    if (errno != 0 && !std::feof(file_)) {
      status_ = absl::InternalError(std::string("cannot read the dump: ") + std::strerror(errno));
    }
    return std::nullopt;
  }
  ++line_number_;
  *complete = n > 0 && buf_[n - 1] == '\n';
  return std::string_view(buf_, *complete ? n - 1 : n);
}

absl::Status LineError(uint64_t line, const std::string& message) {
  return absl::InvalidArgumentError("line " + std::to_string(line) + ": " + message);
}

uint64_t PeekTotalRecords(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return 0;
  std::string tail(4096, '\0');
  uint64_t total = 0;
  if (std::fseek(f, 0, SEEK_END) == 0) {
    long size = std::ftell(f);
    long start = size > 4096 ? size - 4096 : 0;
    std::fseek(f, start, SEEK_SET);
    tail.resize(std::fread(tail.data(), 1, tail.size(), f));
    while (!tail.empty() && tail.back() == '\n') tail.pop_back();
    size_t nl = tail.rfind('\n');
    absl::StatusOr<std::optional<Trailer>> t =
        ParseTrailer(std::string_view(tail).substr(nl == std::string::npos ? 0 : nl + 1));
    if (t.ok() && t->has_value()) total = (*t)->counts.total();
  }
  std::fclose(f);
  return total;
}

}  // namespace webhooks::dump
