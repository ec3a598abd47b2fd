import { DateTime } from '../../shared/scalars.ts';
import type { Resolvers } from '../../shared/subgraph.ts';
import type { VaccinationContext } from './context.ts';
import { CertificateMutation, CertificateQuery, healthPass } from './Certificate.ts';
import { Coverage } from './Coverage.ts';
import { Dose } from './Dose.ts';
import { Mutation } from './Mutation.ts';
import { Person } from './Person.ts';
import { Query } from './Query.ts';

export type { VaccinationContext } from './context.ts';

export const resolvers: Resolvers<VaccinationContext> = {
  DateTime,
  Query: { ...Query, ...CertificateQuery },
  Mutation: { ...Mutation, ...CertificateMutation },
  Person: { ...Person, healthPass },
  Dose,
  Coverage,
};
