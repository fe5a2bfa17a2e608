"""How a loop ended, and how the customer was reached: the choices in the Resolve modal."""

OUTCOMES = {
    "contacted_fixed": "Contacted – issue fixed",
    "contacted_not_fixable": "Contacted – not fixable",
    "saved": "Customer saved / retained",
    "churned": "Customer churned",
    "no_response": "No response after several attempts",
    "not_actionable": "Not actionable",
}
CONTACT_METHODS = {"call": "Call", "email": "Email", "chat": "Chat", "in_person": "In person"}
