/*
 * OSUtils.h - Operating System queues: QElem, QHdr, Enqueue and Dequeue.
 *
 * Queues are intrusive singly linked lists: an element's first field is its
 * link, and a header holds head and tail. Enqueue appends at the tail;
 * Dequeue finds an element anywhere and unlinks it, or answers qErr.
 */
#ifndef __OSUTILS__
#define __OSUTILS__

#include "MacTypes.h"

#ifdef __cplusplus
extern "C" {
#endif

/* qType values. */
enum {
  dummyType = 0,
  vType     = 1,
  ioQType   = 2,
  drvQType  = 3,
  evType    = 4,
  fsQType   = 5,
  sIQType   = 6,
  dtQType   = 7,
  nmType    = 8
};
typedef SInt16 QTypes;

typedef struct QElem QElem;
typedef QElem *QElemPtr;
struct QElem {
  QElemPtr qLink;
  short    qType;
  short    qData[1];
};

typedef struct QHdr {
  volatile short    qFlags;
  volatile QElemPtr qHead;
  volatile QElemPtr qTail;
} QHdr;
typedef QHdr *QHdrPtr;

/* Append qElement at the tail of qHeader. */
extern void Enqueue(QElemPtr qElement, QHdrPtr qHeader);
/* Unlink qElement from qHeader: noErr, or qErr if it is not there. */
extern OSErr Dequeue(QElemPtr qElement, QHdrPtr qHeader);

#ifdef __cplusplus
}
#endif
#endif /* __OSUTILS__ */
