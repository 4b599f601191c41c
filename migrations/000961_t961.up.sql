CREATE TABLE t961 (id bigint PRIMARY KEY, name text NOT NULL);
