#pragma once
// Validates XML documents against an XML Schema with libxml2, the way QuickBooks' request
// processor checks qbXML: a document that breaks the schema (wrong order, unknown element,
// over-long value) is refused as a whole.
//
// The compiled schema is read-only after construction, and validate() uses its own libxml2
// contexts, so one validator may be shared between threads and between FakeQuickBooks objects.
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace qblink::sim {

class XsdValidator {
 public:
  // Compiles the schema at `schema_file` (its xsd:includes are read relative to it). Throws
  // std::runtime_error naming the file and libxml2's complaint when it cannot.
  explicit XsdValidator(const std::filesystem::path& schema_file);
  ~XsdValidator();
  XsdValidator(XsdValidator&&) noexcept;
  XsdValidator& operator=(XsdValidator&&) noexcept;
  XsdValidator(const XsdValidator&) = delete;
  XsdValidator& operator=(const XsdValidator&) = delete;

  // The qbXML 13.0 schema in `xsd_dir` (the folder holding qbxmlops130.xsd).
  static XsdValidator qbxml13(const std::filesystem::path& xsd_dir);

  struct Result {
    bool valid = false;
    std::string
        error;  // the first problems, "line 7: Element 'Phone': This element is not expected."
    explicit operator bool() const { return valid; }
  };

  // Never loads anything from the network or the file system on the document's behalf: a
  // DOCTYPE is refused outright (no DTDs, no entities), as are documents that are not
  // well-formed.
  [[nodiscard]] Result validate(std::string_view document) const;

 private:
  struct Schema;
  std::unique_ptr<Schema> schema_;
};

}  // namespace qblink::sim
