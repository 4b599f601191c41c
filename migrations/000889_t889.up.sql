CREATE TABLE t889 (id bigint PRIMARY KEY, name text NOT NULL);
