/**
 * The serial interval (khoảng nối tiếp: days from a case's symptom onset to that of the person they
 * infected) that Rt and the forecast use unless a stored value replaces it.
 *
 * Nishiura H, Linton NM, Akhmetzhanov AR. Serial interval of novel coronavirus (COVID-19)
 * infections. Int J Infect Dis 2020;93:284–286. doi:10.1016/j.ijid.2020.02.060: mean 4.7 days
 * (95 % CrI 3.7–6.0), SD 2.9 days (95 % CrI 1.9–4.9), a lognormal fitted to the 18 most certain
 * infector–infectee pairs. EpiEstim's parametric SI keeps the two moments and takes the shape as
 * 1 + gamma (see `discrSi`), as Cori et al. do for any disease.
 *
 * Why this one: its mean is above 1 day, which `discr_si` requires, and its sd below the mean gives
 * a unimodal discretised SI; Du et al. 2020 (mean 3.96, sd 4.75, with negative intervals) would make
 * a gamma of shape 0.39 after the one-day shift.
 */
export interface SerialInterval {
  meanDays: number;
  sdDays: number;
  source: string;
}

export const COVID19_SERIAL_INTERVAL: SerialInterval = {
  meanDays: 4.7,
  sdDays: 2.9,
  source:
    'Nishiura H, Linton NM, Akhmetzhanov AR. Serial interval of novel coronavirus (COVID-19) infections. ' +
    'Int J Infect Dis 2020;93:284-286. doi:10.1016/j.ijid.2020.02.060 (mean 4.7 d, SD 2.9 d)',
};
