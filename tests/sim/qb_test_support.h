#pragma once
// Shared by the FakeQuickBooks tests: one compiled qbXML schema for the whole test program, and
// a request message-set wrapper.
#include <fmt/format.h>

#include <memory>
#include <string>
#include <string_view>

#include "sim/xsd_validator.h"
#include "support/test_support.h"

namespace qblink::sim::test_support {

// Inline, so every test file shares the one schema (compiling it costs 100-200 ms).
inline std::shared_ptr<const XsdValidator> qbxml_schema() {
  static const auto schema = std::make_shared<const XsdValidator>(
      XsdValidator::qbxml13(qblink::test::reference_dir() / "qbxml/13.0"));
  return schema;
}

inline std::string message_set(std::string_view body, std::string_view on_error = "stopOnError",
                               std::string_view version = "13.0") {
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<?qbxml version=\"{}\"?>\n<QBXML>\n"
      "<QBXMLMsgsRq onError=\"{}\">\n{}\n</QBXMLMsgsRq>\n</QBXML>\n",
      version, on_error, body);
}

}  // namespace qblink::sim::test_support
