CREATE TABLE t515 (id bigint PRIMARY KEY, name text NOT NULL);
