// The gSOAP namespace table; libgsoap++ references it by name, so exactly one TU defines it.
#include "soapH.h"
#include "QBWebConnectorSvcSoap.nsmap"
