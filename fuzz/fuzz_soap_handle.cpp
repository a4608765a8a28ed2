// Whole SOAP request bodies through the gSOAP adapter into a real sync::Service (a SQLite store
// in a temporary folder, one tenant): a 200 answer, a 400 or a SOAP fault, never a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "soap/adapter.h"
#include "store/store.h"
#include "sync/service.h"

namespace {
struct World {
  std::string dir;
  std::unique_ptr<qblink::store::Store> store;
  std::unique_ptr<qblink::sync::Service> service;
  World() {
    char tmpl[] = "/tmp/qblink-fuzz-soap.XXXXXX";
    dir = ::mkdtemp(tmpl);
    store = qblink::store::open(dir + "/q.db");
    service = std::make_unique<qblink::sync::Service>(*store);
  }
  ~World() {
    service.reset();
    store.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World world;
  const auto result = qblink::soap::handle(
      *world.service, std::string_view(reinterpret_cast<const char*>(data), size), 1 << 20);
  if (result.http_status != 200 && result.http_status != 400 && result.http_status != 500)
    __builtin_trap();
  return 0;
}
