/*
 * NameRegistry.h - the Name Registry's entry ID, as a native driver sees it
 * in DriverInitInfo. dmsim does not model the registry itself; an entry ID
 * names the simulated device a driver was installed for.
 */
#ifndef __NAMEREGISTRY__
#define __NAMEREGISTRY__

#include "MacTypes.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct RegEntryID {
  UInt32 contents[4];
} RegEntryID;
typedef RegEntryID *RegEntryIDPtr;

#ifdef __cplusplus
}
#endif
#endif /* __NAMEREGISTRY__ */
