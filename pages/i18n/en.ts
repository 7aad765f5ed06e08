import type { ar } from "./ar";

type Dictionary = typeof ar;

export const en: Dictionary = {
  meta: {
    title: "Dealix — sales CRM in Arabic, on WhatsApp",
    description:
      "Dealix is a sales CRM for Saudi small and medium businesses: Arabic-first, WhatsApp-first, billed in SAR.",
  },
  nav: {
    skip: "Skip to content",
    switchTo: "العربية",
    switchToLabel: "التبديل إلى العربية",
    apiDocs: "API docs",
  },
  landing: {
    eyebrow: "For real-estate brokers first, then clinics",
    heading: "Your deals, customers and WhatsApp chats in one place, in Arabic",
    lead: "Dealix is a sales CRM built for Saudi businesses: track leads and deals, talk to customers on WhatsApp, issue SAR invoices that meet ZATCA e-invoicing rules, and keep personal data protected under the PDPL.",
    cta: "Request early access",
    forWhomHeading: "Who is Dealix for?",
    forWhom: [
      {
        title: "Real-estate brokers and agencies",
        body: "From the first property enquiry to the signed contract, with leads shared across agents.",
      },
      {
        title: "Clinics and medical centres",
        body: "Appointments, follow-ups and WhatsApp reminders, so no patient slips through.",
      },
      {
        title: "Small sales teams",
        body: "Owner, manager and agents, each with the access and records that are theirs.",
      },
    ],
    featuresHeading: "What you get",
    features: [
      {
        title: "WhatsApp first",
        body: "One inbox for WhatsApp conversations, linked to every customer and deal.",
      },
      { title: "Deal pipeline", body: "Clear stages, tasks and reports that show where every deal stands." },
      {
        title: "Billing in SAR",
        body: "Subscriptions and invoices that meet e-invoicing (FATOORA) requirements.",
      },
      { title: "Data privacy", body: "Recorded consent and data-subject rights under Saudi PDPL." },
    ],
    startHeading: "How to start",
    steps: [
      "Request early access with the form below.",
      "We contact you on WhatsApp to set up your company's workspace.",
      "Invite your team and start adding customers and deals.",
    ],
  },
  earlyAccess: {
    heading: "Request early access",
    intro: "Leave your details and we will contact you when accounts open for your business.",
    name: "Name",
    company: "Company name",
    phone: "Mobile number",
    phoneHint: "For example 05XXXXXXXX",
    email: "Email (optional)",
    businessType: "Type of business",
    businessTypes: {
      real_estate: "Real estate",
      clinic: "Clinic or medical centre",
      other: "Something else",
    },
    consent:
      "I agree that Dealix may contact me about early access and keep my details for that purpose only.",
    submit: "Send request",
    errorSummary: "Check the marked fields and send again.",
    errors: {
      name: "Enter your name (at least two characters).",
      company: "Enter your company's name (at least two characters).",
      phone: "Enter a valid mobile number, such as 05XXXXXXXX or +9665XXXXXXXX.",
      email: "Enter a valid email address or leave it empty.",
      businessType: "Choose a type of business.",
      consent: "We need your consent to contact you.",
    },
    thanksTitle: "We have your request",
    thanksBody: "Thank you for your interest in Dealix. We will contact you on WhatsApp soon.",
    back: "Back to the home page",
  },
  notFound: {
    title: "Page not found",
    body: "We could not find the page you are looking for. It may have moved, or the link may be wrong.",
    home: "Back to the home page",
  },
  error: {
    title: "We could not complete that request",
    body: "Something went wrong while handling your request. Please try again in a moment.",
    home: "Back to the home page",
  },
  docs: {
    title: "Dealix API",
    noscript: "The interactive docs need JavaScript. The full description is at /openapi.json.",
  },
  footer: {
    rights: "© 2026 Dealix. All rights reserved.",
    health: "Service status",
  },
};
