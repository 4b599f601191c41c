CREATE TABLE t880 (id bigint PRIMARY KEY, name text NOT NULL);
