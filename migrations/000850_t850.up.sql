CREATE TABLE t850 (id bigint PRIMARY KEY, name text NOT NULL);
