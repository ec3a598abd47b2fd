/**
 * Saved operations for officials, shown in the "Examples" panel and as the first tabs of a new
 * session. Field names are the graph's own (schema/supergraph.graphql); the variables use the
 * demo data that `npm start` seeds, so every example answers out of the box.
 */
export interface Example {
  title: string;
  /** One or two sentences for an official: what the answer tells them. */
  description: string;
  query: string;
  variables?: Record<string, unknown>;
}

/** Today's date in Viet Nam (UTC+7), as YYYY-MM-DD. */
function vietnamDate(daysAgo = 0): string {
  return new Date(Date.now() + 7 * 3_600_000 - daysAgo * 86_400_000).toISOString().slice(0, 10);
}

export const EXAMPLES: readonly Example[] = [
  {
    title: 'Contacts (F1/F2) of a case, with their province',
    description:
      'Every close contact (F1) and contact of a close contact (F2) of one confirmed case (F0), with the province and ward where each lives, ' +
      'the venue where the exposure happened and the tracing run that found them. The province decides which center follows the person up.',
    query: /* GraphQL */ `# Danh sách F1/F2 của một ca bệnh F0, theo tỉnh nơi cư trú
query CaseContactsByProvince($caseId: ID!) {
  case(id: $caseId) {
    confirmedAt
    person { fullName }
    run { status f1Count f2Count provincesNotified provincesPending }
    contacts {
      degree
      person {
        fullName
        residenceProvince { code name }
        residence { name }
      }
      via { fullName }
      exposure { venue { name } overlapStart overlapMinutes }
    }
  }
}
`,
    variables: { caseId: 'c45e0f00-0000-4000-8000-000000000001' },
  },
  {
    title: 'Free quarantine beds nationwide',
    description:
      'Every province with its CDC hotline and the quarantine facilities (cơ sở cách ly tập trung) that have at least one free bed. ' +
      'A province whose service is down answers null with a PROVINCE_UNAVAILABLE error; the others still answer.',
    query: /* GraphQL */ `# Giường cách ly còn trống trên toàn quốc
query FreeQuarantineBeds {
  provinces {
    code
    name
    hotline
    quarantineFacilities(withFreeBeds: true) {
      name
      address
      capacity
      freeBeds
    }
  }
}
`,
  },
  {
    title: "A venue's check-ins for one day",
    description:
      'Every QR check-in (quét mã QR) at one venue during one day, with who it was and where they live. ' +
      'Change the QR code and the day in the variables; times are in Viet Nam time (+07:00).',
    query: /* GraphQL */ `# Lượt quét mã QR tại một địa điểm trong một ngày
query VenueCheckInsForADay($qrCode: String!, $from: DateTime!, $to: DateTime!) {
  venueByQr(qrCode: $qrCode) {
    name
    ward { name }
    checkIns(from: $from, to: $to) {
      checkedInAt
      checkedOutAt
      closedAutomatically
      person { fullName residenceProvince { name } }
    }
  }
}
`,
    variables: {
      qrCode: 'VN-79-CBT-0001',
      from: `${vietnamDate(3)}T00:00:00+07:00`,
      to: `${vietnamDate(2)}T00:00:00+07:00`,
    },
  },
  {
    title: 'A venue by its QR code',
    description: 'The venue that displays a QR code (điểm kiểm soát ra vào bằng mã QR): its name, kind, ward and province.',
    query: /* GraphQL */ `# Tra cứu địa điểm theo mã QR
query VenueByQr($qrCode: String!) {
  venueByQr(qrCode: $qrCode) {
    name
    category
    ward { name }
    province { name hotline }
  }
}
`,
    variables: { qrCode: 'VN-79-CBT-0001' },
  },
  {
    title: "Open tracing tasks of a province",
    description:
      'Tracing tasks (nhiệm vụ truy vết) not yet reached by a tracer in one province, earliest due first, with the ward and the tracer in charge.',
    query: /* GraphQL */ `# Nhiệm vụ truy vết chưa liên hệ được
query NewTracingTasks($province: ID!) {
  province(code: $province) {
    name
    tracingTasks(status: NEW) {
      degree
      dueAt
      ward { name }
      person { fullName phone }
      assignedTo { fullName phone }
    }
  }
}
`,
    variables: { province: '79' },
  },
];

export function variablesText(example: Example): string {
  return example.variables ? JSON.stringify(example.variables, null, 2) : '';
}
