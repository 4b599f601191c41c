CREATE TABLE t962 (id bigint PRIMARY KEY, name text NOT NULL);
