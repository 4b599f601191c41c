CREATE TABLE t959 (id bigint PRIMARY KEY, name text NOT NULL);
