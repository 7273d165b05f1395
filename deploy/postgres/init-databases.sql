-- One database per service: services share no tables.
CREATE DATABASE intake;
CREATE DATABASE review;
CREATE DATABASE budget;
CREATE DATABASE procurement;
CREATE DATABASE acceptance;
CREATE DATABASE catalog;
