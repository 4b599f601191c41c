CREATE TABLE t750 (id bigint PRIMARY KEY, name text NOT NULL);
