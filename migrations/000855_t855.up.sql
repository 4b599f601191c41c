CREATE TABLE t855 (id bigint PRIMARY KEY, name text NOT NULL);
