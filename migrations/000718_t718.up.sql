CREATE TABLE t718 (id bigint PRIMARY KEY, name text NOT NULL);
