#include "qbxml/qbxml.h"
