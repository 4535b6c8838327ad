// The seller area's routes, in a module of their own so the seller pages' scripts import three
// strings, not the whole page list (common/pages.ts builds its entries from these).

/** The seller pages' sign-in, where a signed-out visitor of a seller page is sent. */
export const SELLER_SIGN_IN_ROUTE = '/seller/sign-in';
/** The page a one-time enrolment link opens (`?token=…`). */
export const SELLER_ENROL_ROUTE = '/seller/enrol';
/** Where a seller lands once signed in (and after enrolling). */
export const SELLER_HOME_ROUTE = '/seller';
