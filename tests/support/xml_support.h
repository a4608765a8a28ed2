#pragma once
// XML helpers for tests: SOAP body payload extraction and XSD validation with xmllint.
#include <filesystem>
#include <string>

namespace qblink::test {

// The single child of soap:Body as its own document, with the namespace declarations it
// inherits copied onto it (what qbwc-soap-body.xsd validates). Empty if not a SOAP envelope.
std::string soap_body_payload(const std::string& envelope);

struct Validation {
  bool ok = false;
  std::string output;  // xmllint's messages
};
// Runs `xmllint --noout --schema XSD` on the text (written to a temp file).
Validation validate_with_xsd(const std::string& xml, const std::filesystem::path& xsd);

// The text of the first element with this local name (namespace ignored), or "".
std::string element_text(const std::string& xml, const std::string& local_name);

}  // namespace qblink::test
