#pragma once
// The entity fields the fake QuickBooks stores, with their qbXML element names, JSON keys and
// QuickBooks' length limits (qbXML 13.0 XSD maxLength facets; see
// shared/reference/qbxml/13.0/element-order/). One table serves the JSON file, the request
// parser and the limit checks, so the three cannot drift apart.
#include <cstddef>
#include <string>
#include <string_view>

#include "sim/company.h"

namespace qblink::sim {

inline constexpr std::size_t kMaxNameChars = 41;
inline constexpr int kMaxSublevel = 4;  // QuickBooks nests customers and jobs five levels deep

struct TextField {
  std::string_view element;   // qbXML element in Add/Mod/Ret
  std::string_view json_key;  // key in the company JSON
  std::size_t max_chars;
  std::string Entity::*member;
};

inline constexpr TextField kTextFields[] = {
    {"CompanyName", "company_name", 41, &Entity::company_name},
    {"Salutation", "salutation", 15, &Entity::salutation},
    {"FirstName", "first_name", 25, &Entity::first_name},
    {"MiddleName", "middle_name", 5, &Entity::middle_name},
    {"LastName", "last_name", 25, &Entity::last_name},
    {"JobTitle", "job_title", 41, &Entity::job_title},
    {"Phone", "phone", 21, &Entity::phone},
    {"Mobile", "mobile", 21, &Entity::mobile},
    {"AltPhone", "alt_phone", 21, &Entity::alt_phone},
    {"Fax", "fax", 21, &Entity::fax},
    {"Email", "email", 1023, &Entity::email},
    {"Contact", "contact", 41, &Entity::contact},
    {"AccountNumber", "account_number", 99, &Entity::account_number},
    {"Notes", "notes", 4095, &Entity::notes},
};

struct AddressField {
  std::string_view element;
  std::string_view json_key;
  std::size_t max_chars;
  std::string Address::*member;
};

inline constexpr AddressField kAddressFields[] = {
    {"Addr1", "addr1", 41, &Address::addr1},
    {"Addr2", "addr2", 41, &Address::addr2},
    {"City", "city", 31, &Address::city},
    {"State", "state", 21, &Address::state},
    {"PostalCode", "postal_code", 13, &Address::postal_code},
    {"Country", "country", 31, &Address::country},
};

// The element that holds Entity::address in each list's Add/Mod/Ret.
std::string_view address_element(EntityList list);

// QuickBooks' rules for the Name of a list entry.
enum class NameProblem { None, Empty, TooLong, Colon, NotLatin1 };
NameProblem check_name(std::string_view name);
std::string_view describe(NameProblem problem);  // "is longer than 41 characters", ...

// QuickBooks-style ListID: a hex record number and the creation time, "80000001-1704096000".
std::string format_list_id(long long counter, long long unix_seconds);

}  // namespace qblink::sim
